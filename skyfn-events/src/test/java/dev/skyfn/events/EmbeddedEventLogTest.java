package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEventLogTest {

    private final EmbeddedEventLog log = new EmbeddedEventLog(1 << 20, Clock.systemUTC());

    private static Event event(String tenant, String subject, String id, String key) {
        return new Event(tenant, subject, id, "/test", "t", Instant.now(), "text/plain", key, Map.of(), id.getBytes(StandardCharsets.UTF_8));
    }

    /** The log kept in {@code file}, as a node starting on its data opens it (1 MiB of events not taken at most). */
    private static EmbeddedEventLog opened(Path file) {
        return EmbeddedEventLog.open(file, 1 << 20, Clock.systemUTC());
    }

    /** The subscription "s" to acme's orders since {@code deployed}, {@code maxOut} events out at once, as the file tests open it. */
    private static EventLog.Subscription orders(EmbeddedEventLog log, Instant deployed, int maxOut) {
        return log.subscribe("s", "acme", "orders", -1, deployed, Duration.ofSeconds(30), maxOut);
    }

    private static List<String> ids(List<EventLog.Delivery> ds) {
        return ds.stream().map(d -> d.event().id()).toList();
    }

    @Test
    void oneTenantsBacklogFillsAQuarterOfTheLogAndHoldsUpNoOtherTenantsEvents() throws InterruptedException {
        var acme = log.subscribe("a", "acme", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        var globex = log.subscribe("g", "globex", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        byte[] data = new byte[100 << 10];
        for (int i = 0; i < 2; i++) {
            log.publish(new Event("acme", "orders", "a" + i, "/test", "t", Instant.now(), null, null, Map.of(), data));
        }
        assertThatThrownBy(() -> log.publish(new Event("acme", "orders", "a2", "/test", "t", Instant.now(), null, null, Map.of(), data)))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS))
                .hasMessageContaining("holds 200 KiB of tenant acme's events").hasMessageContaining("a tenant's limit of 256 KiB");
        // acme's subscription takes nothing; globex's events, taken as they come, are not held up behind it: twice the whole log's size
        for (int i = 0; i < 20; i++) {
            assertThat(log.publish(new Event("globex", "orders", "g" + i, "/test", "t", Instant.now(), null, null, Map.of(), data))).isTrue();
            assertThat(globex.fetch(1, Duration.ofSeconds(1))).hasSize(1).allSatisfy(EventLog.Delivery::ack);
        }
        // taken, acme's backlog makes room for its next events
        assertThat(acme.fetch(2, Duration.ofSeconds(1))).hasSize(2).allSatisfy(EventLog.Delivery::ack);
        assertThat(log.publish(new Event("acme", "orders", "a2", "/test", "t", Instant.now(), null, null, Map.of(), data))).isTrue();
    }

    @Test
    void aSubscriptionGetsTheMatchingEventsOfItsTenantPublishedAfterIt() throws InterruptedException {
        log.publish(event("acme", "orders.eu", "before", null));
        var sub = log.subscribe("s", "acme", "orders.*", -1, Instant.now(), Duration.ofSeconds(30), 100);
        log.publish(event("acme", "orders.eu", "a", null));
        log.publish(event("other", "orders.eu", "theirs", null));
        log.publish(event("acme", "invoices.eu", "b", null));
        log.publish(event("acme", "orders.us", "c", null));
        assertThat(ids(sub.fetch(10, Duration.ofMillis(50)))).containsExactly("a", "c");
    }

    /** What the state outbox waits for before it lets a change's event go from the node's disk. */
    @Test
    void anEventPublishedTakenIsTakenOnceEverySubscriptionThatWantedItAcknowledgedIt() throws InterruptedException {
        var first = log.subscribe("first", "acme", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        var second = log.subscribe("second", "acme", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        log.subscribe("elsewhere", "acme", "invoices", -1, Instant.now(), Duration.ofSeconds(30), 100);

        var taken = log.publishTaken(event("acme", "orders", "a", null));
        assertThat(log.publishTaken(event("acme", "orders", "a", null))).as("a duplicate").isCompleted();
        assertThat(log.publishTaken(event("acme", "nobody.listens", "b", null))).as("wanted by none").isCompleted();

        List<EventLog.Delivery> got = first.fetch(10, Duration.ofMillis(100));
        assertThat(ids(got)).containsExactly("a");
        got.getFirst().retryIn(Duration.ZERO);
        assertThat(taken).as("handed out, not acknowledged").isNotDone();
        first.fetch(10, Duration.ofMillis(100)).forEach(EventLog.Delivery::ack);
        assertThat(taken).as("one of the two subscriptions done").isNotDone();
        second.fetch(10, Duration.ofMillis(100)).forEach(EventLog.Delivery::ack);
        assertThat(taken).isCompleted();

        var later = log.publishTaken(event("acme", "orders", "c", null));
        first.fetch(10, Duration.ofMillis(100)).forEach(EventLog.Delivery::ack);
        assertThat(later).isNotDone();
        log.forget("second");
        assertThat(later).as("the other subscription that wanted it was deleted").isCompleted();
    }

    @Test
    void aKeyOrderedPartitionTakenInBatchesGoesToOneHandleAtATimeWithTheRoomItLastAskedFor() throws InterruptedException {
        int partition = event("acme", "steps", "e", "k").partition();
        var old = log.subscribe("s", "acme", "steps", partition, Instant.now(), Duration.ofSeconds(30), 3);
        for (int i = 0; i < 3; i++) {
            log.publish(event("acme", "steps", "a" + i, "k"));
        }
        List<EventLog.Delivery> running = old.fetch(10, Duration.ofMillis(100));
        assertThat(ids(running)).containsExactly("a0", "a1", "a2");
        // a new version of the trigger, batches of 7, opened while the old one's batch runs
        var renewed = log.subscribe("s", "acme", "steps", partition, Instant.now(), Duration.ofSeconds(30), 7);
        for (int i = 3; i < 10; i++) {
            log.publish(event("acme", "steps", "a" + i, "k"));
        }
        assertThat(renewed.fetch(10, Duration.ofMillis(100))).as("taken while a batch of the partition runs").isEmpty();
        running.forEach(EventLog.Delivery::ack);
        old.close();
        assertThat(ids(renewed.fetch(10, Duration.ofMillis(100)))).containsExactly("a3", "a4", "a5", "a6", "a7", "a8", "a9");
    }

    @Test
    void anEventNotAcknowledgedComesBackAfterItsPauseAndNotBefore() throws InterruptedException {
        var sub = log.subscribe("s", "acme", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        log.publish(event("acme", "orders", "a", null));
        var first = sub.fetch(1, Duration.ofSeconds(1)).getFirst();
        assertThat(first.attempt()).isEqualTo(1);
        first.retryIn(Duration.ofSeconds(3));
        assertThat(sub.fetch(1, Duration.ofMillis(100))).isEmpty();
        var second = sub.fetch(1, Duration.ofSeconds(10)).getFirst();
        assertThat(second.event().id()).isEqualTo("a");
        assertThat(second.attempt()).isEqualTo(2);
        second.ack();
        assertThat(sub.fetch(1, Duration.ofMillis(400))).isEmpty();
    }

    @Test
    void nodesSharingASubscriptionShareItsEventsAndAnIdIsPublishedOnce() throws InterruptedException {
        var one = log.subscribe("shared", "acme", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        var two = log.subscribe("shared", "acme", "orders", -1, Instant.now(), Duration.ofSeconds(30), 100);
        log.publish(event("acme", "orders", "a", null));
        log.publish(event("acme", "orders", "a", null));
        log.publish(event("acme", "orders", "b", null));
        var first = one.fetch(1, Duration.ofSeconds(1));
        var second = two.fetch(10, Duration.ofMillis(50));
        assertThat(ids(first)).containsExactly("a");
        assertThat(ids(second)).containsExactly("b");
    }

    @Test
    void atMostTheBoundIsOutUnacknowledgedSoAPartitionIsTakenInOrder() throws InterruptedException {
        var sub = log.subscribe("ordered", "acme", "orders", new Event(null, null, "x", null, null, null, null, "k1", Map.of(), new byte[0])
                .partition(), Instant.now(), Duration.ofSeconds(30), 1);
        log.publish(event("acme", "orders", "a", "k1"));
        log.publish(event("acme", "orders", "b", "k1"));
        var a = sub.fetch(5, Duration.ofMillis(50));
        assertThat(ids(a)).containsExactly("a");
        assertThat(sub.fetch(5, Duration.ofMillis(50))).isEmpty();
        a.getFirst().ack();
        assertThat(ids(sub.fetch(5, Duration.ofMillis(50)))).containsExactly("b");
    }

    @Test
    void aSubscriptionOpenedLateGetsTheEventsHeldSinceItsStart() throws InterruptedException {
        Instant deployed = Instant.now();
        var early = log.subscribe("early", "acme", "orders", -1, deployed, Duration.ofSeconds(30), 100);
        log.publish(event("acme", "orders", "a", null));
        var late = log.subscribe("late", "acme", "orders", -1, deployed, Duration.ofSeconds(30), 100);
        assertThat(ids(late.fetch(10, Duration.ofMillis(50)))).containsExactly("a");
        assertThat(ids(early.fetch(10, Duration.ofMillis(50)))).containsExactly("a");
    }

    @Test
    void aSubscriptionClosedAndNotTakenFromIsForgottenAndOneHeldOpenKeepsItsEvents() throws InterruptedException {
        var clock = new dev.skyfn.core.testing.ManualClock(Instant.parse("2026-12-01T12:00:00Z"));
        var small = new EmbeddedEventLog(64 * EmbeddedEventLog.TENANT_SHARE, clock);
        var gone = small.subscribe("gone", "acme", "orders", -1, clock.instant(), Duration.ofSeconds(30), 100);
        small.publish(new Event("acme", "orders", "a", "/t", "t", clock.instant(), null, null, Map.of(), new byte[40]));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> small.publish(new Event("acme", "orders", "b", "/t", "t", clock.instant(), null,
                null, Map.of(), new byte[40]))).hasMessageContaining("not taken yet");
        // held open by a lane whose calls run long, it keeps its events however long it does not take
        clock.advance(EmbeddedEventLog.INACTIVE.plusSeconds(1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> small.publish(new Event("acme", "orders", "b", "/t", "t", clock.instant(), null,
                null, Map.of(), new byte[40]))).hasMessageContaining("not taken yet");
        List<String> taken = new java.util.ArrayList<>();
        gone.take(10, Duration.ZERO, d -> taken.add(d.event().id()));
        assertThat(taken).containsExactly("a");
        // closed (its app removed) and not opened again for a while, it is forgotten with what it has not read
        gone.close();
        small.publish(new Event("acme", "orders", "c", "/t", "t", clock.instant(), null, null, Map.of(), new byte[20]));
        clock.advance(EmbeddedEventLog.INACTIVE.plusSeconds(1));
        small.publish(new Event("acme", "orders", "d", "/t", "t", clock.instant(), null, null, Map.of(), new byte[60]));
    }

    @Test
    void eventsNotAcknowledgedWhenTheNodeDiedAreHandedOutAgainWhenItStartsOnItsFile(@TempDir Path dir) throws InterruptedException {
        Path file = dir.resolve("events.log");
        var before = opened(file);
        Instant deployed = Instant.now();
        var sub = orders(before, deployed, 100);
        var done = before.subscribe("done", "acme", "orders", -1, deployed, Duration.ofSeconds(30), 100);
        for (String id : List.of("a", "b", "c", "d", "e")) {
            before.publish(event("acme", "orders", id, null));
        }
        List<EventLog.Delivery> taken = sub.fetch(3, Duration.ofSeconds(1));
        taken.get(0).ack();
        taken.get(2).retryIn(Duration.ofMinutes(5));
        done.fetch(10, Duration.ofSeconds(1)).forEach(EventLog.Delivery::ack);
        // killed: not closed

        var after = opened(file);
        assertThat(after.publish(event("acme", "orders", "a", null))).as("an id published before the restart, again").isFalse();
        List<EventLog.Delivery> again = orders(after, deployed, 100).fetch(10, Duration.ofMillis(200));
        assertThat(ids(again)).containsExactly("b", "c", "d", "e");
        assertThat(again.stream().map(EventLog.Delivery::attempt)).as("b and c were handed out before the restart, d and e were not")
                .containsExactly(2L, 2L, 1L, 1L);
        assertThat(new String(again.getFirst().event().data(), StandardCharsets.UTF_8)).isEqualTo("b");
        assertThat(after.subscribe("done", "acme", "orders", -1, deployed, Duration.ofSeconds(30), 100).fetch(10, Duration.ofMillis(100)))
                .as("a subscription that acknowledged everything").isEmpty();
        after.close();
    }

    @Test
    void anEventsAttemptsCountOnAcrossRestartsSoItsBoundHolds(@TempDir Path dir) throws InterruptedException {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var first = opened(file);
        var sub = orders(first, deployed, 100);
        first.publish(event("acme", "orders", "a", null));
        first.publish(event("acme", "orders", "b", null));
        sub.fetch(2, Duration.ofSeconds(1)).getFirst().retryIn(Duration.ZERO);
        assertThat(sub.fetch(1, Duration.ofSeconds(1)).getFirst().attempt()).as("a, handed out again").isEqualTo(2);
        // killed: not closed

        var second = opened(file);
        List<EventLog.Delivery> taken = orders(second, deployed, 100).fetch(2, Duration.ofSeconds(1));
        assertThat(ids(taken)).containsExactly("a", "b");
        assertThat(taken.stream().map(EventLog.Delivery::attempt)).containsExactly(3L, 2L);
        taken.get(1).ack();
        second.close();

        // opened again, its file rewritten with what is still needed: the count is among it
        var third = opened(file);
        var fourth = opened(file);
        List<EventLog.Delivery> last = orders(fourth, deployed, 100).fetch(2, Duration.ofMillis(200));
        assertThat(ids(last)).containsExactly("a");
        assertThat(last.getFirst().attempt()).isEqualTo(4);
        third.close();
        fourth.close();
    }

    @Test
    void whatASubscriptionAcknowledgedAfterARestartStaysAcknowledgedAcrossTheNext(@TempDir Path dir) throws InterruptedException {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var first = opened(file);
        var sub = orders(first, deployed, 100);
        for (String id : List.of("a", "b", "c", "d", "e")) {
            first.publish(event("acme", "orders", id, null));
        }
        List<EventLog.Delivery> taken = sub.fetch(5, Duration.ofSeconds(1));
        List.of(0, 2, 4).forEach(i -> taken.get(i).ack());
        first.close();

        var second = opened(file);
        var again = orders(second, deployed, 100);
        List<EventLog.Delivery> left = again.fetch(2, Duration.ofSeconds(1));
        assertThat(ids(left)).containsExactly("b", "d");
        left.getFirst().ack();
        second.publish(event("acme", "orders", "f", null));
        second.publish(event("acme", "orders", "g", null));
        List<EventLog.Delivery> later = again.fetch(2, Duration.ofSeconds(1));
        assertThat(ids(later)).containsExactly("f", "g");
        later.getFirst().ack();

        var third = opened(file);
        assertThat(ids(orders(third, deployed, 100).fetch(10, Duration.ofMillis(200))))
                .containsExactly("d", "g");
        third.close();
    }

    @Test
    void itsFileIsRewrittenWithWhatIsStillNeededAsItGrows(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var log = EmbeddedEventLog.open(file, 1 << 20, Clock.systemUTC(), 16 << 10);
        var sub = orders(log, deployed, 1000);
        log.subscribe("forgotten", "acme", "orders", -1, deployed, Duration.ofSeconds(30), 1000);
        log.forget("forgotten");
        List<String> kept = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            log.publish(event("acme", "orders", "e" + i, null));
            for (EventLog.Delivery d : sub.fetch(1, Duration.ofSeconds(1))) {
                if (i % 100 == 7) {
                    kept.add(d.event().id());
                } else {
                    d.ack();
                }
            }
        }
        assertThat(java.nio.file.Files.size(file)).as("2,000 events of about 100 bytes written, 20 still needed").isLessThan(40 << 10);
        log.close();

        var reopened = EmbeddedEventLog.open(file, 1 << 20, Clock.systemUTC(), 16 << 10);
        assertThat(ids(orders(reopened, deployed, 1000).fetch(100, Duration.ofMillis(200))))
                .isEqualTo(kept);
        assertThat(reopened.subscribe("forgotten", "acme", "orders", -1, deployed, Duration.ofSeconds(30), 1000).fetch(100,
                Duration.ofMillis(100))).as("forgotten before the restart: opened afresh").isEmpty();
        reopened.close();
    }

    @Test
    void anEventLargerThanItsFileHoldsIsRefusedAndTheOthersAreKept(@TempDir Path dir) throws InterruptedException {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var log = EmbeddedEventLog.open(file, 128 << 20, Clock.systemUTC());
        orders(log, deployed, 100);
        log.publish(event("acme", "orders", "a", null));
        var huge = new Event("acme", "orders", "huge", "/test", "t", Instant.now(), null, null, Map.of(), new byte[17 << 20]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.publish(huge))
                .isInstanceOfSatisfying(dev.skyfn.core.SkyfnException.class,
                        e -> assertThat(e.code()).isEqualTo(dev.skyfn.core.ErrorCode.PAYLOAD_TOO_LARGE))
                .hasMessageContaining("at most 16 MiB");
        log.publish(event("acme", "orders", "b", null));

        var reopened = EmbeddedEventLog.open(file, 64 << 20, Clock.systemUTC());
        assertThat(ids(orders(reopened, deployed, 100).fetch(10, Duration.ofMillis(200))))
                .containsExactly("a", "b");
        reopened.close();
        log.close();
    }

    @Test
    void aLogWhoseEventsWereAllAcknowledgedOpensWithoutThem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var log = opened(file);
        var sub = orders(log, deployed, 1000);
        for (int i = 0; i < 500; i++) {
            log.publish(event("acme", "orders", "e" + i, null));
        }
        log.publish(event("acme", "invoices", "not-wanted", null));
        assertThat(sub.fetch(1000, Duration.ofSeconds(1))).hasSize(500).allSatisfy(EventLog.Delivery::ack);
        long drained = java.nio.file.Files.size(file);
        log.close();

        var reopened = opened(file);
        assertThat(java.nio.file.Files.size(file)).as("500 events acknowledged, rewritten as it opened").isLessThan(drained / 20);
        reopened.publish(event("acme", "orders", "after", null));
        assertThat(ids(orders(reopened, deployed, 1000).fetch(10, Duration.ofMillis(200)))).containsExactly("after");
        reopened.close();
    }

    @Test
    void eventsPublishedAfterTwoRestartsWithNothingBetweenAreHandedOutNotNumberedBelowTheCursors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var log = opened(file);
        var sub = orders(log, deployed, 100);
        for (int i = 0; i < 5; i++) {
            log.publish(event("acme", "orders", "e" + i, null));
        }
        assertThat(sub.fetch(100, Duration.ofSeconds(1))).hasSize(5).allSatisfy(EventLog.Delivery::ack);
        log.close();
        // each start rewrites the file with what is still needed: after the first, no event at all
        opened(file).close();
        opened(file).close();

        var reopened = opened(file);
        for (int i = 5; i < 8; i++) {
            reopened.publish(event("acme", "orders", "e" + i, null));
        }
        assertThat(ids(orders(reopened, deployed, 100).fetch(10, Duration.ofMillis(500)))).containsExactly("e5", "e6", "e7");
        reopened.close();
    }

    @Test
    void whatFollowsAFrameItCannotReadIsKeptBesideTheLogNotDestroyed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.log");
        Instant deployed = Instant.now();
        var log = opened(file);
        orders(log, deployed, 100);
        log.publish(event("acme", "orders", "a", null));
        long garbled = java.nio.file.Files.size(file);
        log.publish(event("acme", "orders", "b", null));
        log.publish(event("acme", "orders", "c", null));
        log.close();
        long size = java.nio.file.Files.size(file);
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            // b's length made one no frame has
            channel.write(java.nio.ByteBuffer.allocate(4).putInt(-7).flip(), garbled);
        }

        var reopened = opened(file);
        assertThat(ids(orders(reopened, deployed, 100).fetch(10, Duration.ofMillis(200)))).containsExactly("a");
        try (var kept = java.nio.file.Files.list(dir)) {
            List<Path> unreadable = kept.filter(p -> p.getFileName().toString().startsWith("events.log.unreadable-")).toList();
            assertThat(unreadable).hasSize(1);
            assertThat(java.nio.file.Files.size(unreadable.getFirst())).isEqualTo(size - garbled);
        }
        reopened.close();
    }
}
