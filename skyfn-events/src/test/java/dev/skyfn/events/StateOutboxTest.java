package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateOutboxTest {

    private static final AppKey APP = new AppKey("acme", "carts");

    @TempDir
    Path dir;

    /** The event log as the outbox sees it: it keeps what it is given, in order, unless told to refuse. */
    private final Recording log = new Recording();
    /** The app's global layer as it stands. */
    private final Map<String, byte[]> state = new ConcurrentHashMap<>();
    private final List<StateOutbox> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(StateOutbox::close);
    }

    private static final class Recording implements EventLog {
        final List<Event> kept = new CopyOnWriteArrayList<>();
        final AtomicBoolean refusing = new AtomicBoolean();

        @Override
        public boolean publish(Event event) {
            if (refusing.get()) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "JetStream is out of reach");
            }
            if (kept.stream().anyMatch(e -> e.id().equals(event.id()))) {
                return false;
            }
            return kept.add(event);
        }

        @Override
        public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait,
                                      int maxUnacknowledged) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each) {
            return () -> {
            };
        }

        @Override
        public void forget(String name) {
        }

        @Override
        public void close() {
        }

        List<String> values() {
            return kept.stream().map(e -> new String(e.data(), StandardCharsets.UTF_8)).toList();
        }
    }

    private StateOutbox open(long maxHeldBytes) {
        return open(maxHeldBytes, maxHeldBytes);
    }

    private StateOutbox open(long maxHeldBytes, long maxAppHeldBytes) {
        return openOn(log, maxHeldBytes, maxAppHeldBytes);
    }

    private StateOutbox open() {
        return open(StateOutbox.MAX_HELD_BYTES);
    }

    /** Holds the write of {@code key} to {@code value}; its event's data is "key=value". */
    private StateOutbox.Change hold(StateOutbox outbox, String key, String value) {
        Event event = new Event(APP.tenant(), "skyfn.state.carts", java.util.UUID.randomUUID().toString(), "/test", Triggers.STATE_CHANGED,
                Instant.now(), "text/plain", key, Map.of(), (key + "=" + value).getBytes(StandardCharsets.UTF_8));
        return outbox.hold(APP, key, state.get(APP + "/" + key), value == null ? null : value.getBytes(StandardCharsets.UTF_8), event);
    }

    /** A write made: the key holds the value, and the outbox is told. */
    private void write(StateOutbox outbox, String key, String value) {
        StateOutbox.Change change = hold(outbox, key, value);
        state.put(APP + "/" + key, value.getBytes(StandardCharsets.UTF_8));
        change.made();
    }

    @Test
    void aChangeIsPublishedAsItIsMade() {
        StateOutbox outbox = open();
        write(outbox, "a", "1");
        assertThat(log.values()).containsExactly("a=1");
        assertThat(outbox.waiting()).isZero();
    }

    @Test
    void changesTheLogRefusesWaitAndArePublishedInTheOrderMade() {
        StateOutbox outbox = open();
        log.refusing.set(true);
        write(outbox, "a", "1");
        write(outbox, "b", "1");
        write(outbox, "a", "2");
        assertThat(outbox.waiting()).isEqualTo(3);
        log.refusing.set(false);
        // made now, with three waiting: it waits behind them rather than overtaking
        write(outbox, "a", "3");
        await().atMost(Duration.ofSeconds(30)).until(() -> log.kept.size() == 4);
        assertThat(log.values()).containsExactly("a=1", "b=1", "a=2", "a=3");
        assertThat(outbox.waiting()).isZero();
    }

    @Test
    void aWriteNotMadeIsNotTold() {
        StateOutbox outbox = open();
        hold(outbox, "a", "1").notMade();
        write(outbox, "b", "1");
        assertThat(log.values()).containsExactly("b=1");
    }

    @Test
    void aWriteThatMayHaveFailedIsToldWhenTheKeyHoldsItsValue() {
        StateOutbox outbox = open();
        StateOutbox.Change kept = hold(outbox, "a", "1");
        state.put(APP + "/a", "1".getBytes(StandardCharsets.UTF_8));
        kept.maybeMade();
        hold(outbox, "b", "1").maybeMade();
        write(outbox, "c", "1");
        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.waiting() == 0);
        assertThat(log.values()).containsExactly("a=1", "c=1");
    }

    @Test
    void aWriteThatMayHaveFailedIsToldByWhatTheKeysNextChangeFindsBeforeIt() {
        StateOutbox outbox = open();
        // timed out, and not kept: the client writes the same value again, which is
        hold(outbox, "a", "1").maybeMade();
        write(outbox, "a", "1");
        // timed out, and kept after all: the next change finds its value before it
        StateOutbox.Change late = hold(outbox, "b", "1");
        state.put(APP + "/b", "1".getBytes(StandardCharsets.UTF_8));
        late.maybeMade();
        write(outbox, "b", "2");
        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.waiting() == 0);
        assertThat(log.values()).containsExactly("a=1", "b=1", "b=2");
    }

    @Test
    void aNodeStartedAgainPublishesWhatItHeldAndMadeOnly() throws IOException {
        StateOutbox first = open();
        log.refusing.set(true);
        write(first, "a", "1");
        write(first, "a", "2");
        hold(first, "b", "1").notMade();
        // held, the write made, and the process gone before it knew
        hold(first, "c", "1");
        state.put(APP + "/c", "1".getBytes(StandardCharsets.UTF_8));
        // held, and the process gone before its write
        hold(first, "d", "1");
        first.close();
        // a frame torn by the process dying mid-write
        Files.write(dir.resolve("outbox"), new byte[] {0, 0, 1, 0, 7, 7}, StandardOpenOption.APPEND);

        log.refusing.set(false);
        StateOutbox again = open();
        await().atMost(Duration.ofSeconds(30)).until(() -> again.waiting() == 0);
        assertThat(log.values()).containsExactly("a=1", "a=2", "c=1");
        again.close();

        StateOutbox third = open();
        assertThat(third.waiting()).isZero();
        assertThat(log.values()).hasSize(3);
    }

    /**
     * On one machine the log is the node's memory: a change whose trigger has not acknowledged its
     * event when the process dies is published again by the next, and one acknowledged is not.
     */
    @Test
    void onTheEmbeddedLogAChangeIsHeldUntilItsTriggerTookIt() throws InterruptedException {
        EmbeddedEventLog memory = new EmbeddedEventLog(1 << 20, java.time.Clock.systemUTC());
        EventLog.Subscription trigger = trigger(memory);
        StateOutbox first = openOn(memory);
        write(first, "a", "1");
        write(first, "b", "1");
        List<EventLog.Delivery> got = trigger.fetch(10, Duration.ofSeconds(1));
        assertThat(got).extracting(d -> new String(d.event().data(), StandardCharsets.UTF_8)).containsExactly("a=1", "b=1");
        got.getFirst().ack();
        first.close();

        EmbeddedEventLog restarted = new EmbeddedEventLog(1 << 20, java.time.Clock.systemUTC());
        EventLog.Subscription again = trigger(restarted);
        StateOutbox second = openOn(restarted);
        List<EventLog.Delivery> redelivered = again.fetch(10, Duration.ofSeconds(2));
        assertThat(redelivered).extracting(d -> new String(d.event().data(), StandardCharsets.UTF_8)).containsExactly("b=1");
        redelivered.forEach(EventLog.Delivery::ack);
        second.close();

        EmbeddedEventLog third = new EmbeddedEventLog(1 << 20, java.time.Clock.systemUTC());
        EventLog.Subscription once = trigger(third);
        openOn(third);
        assertThat(once.fetch(10, Duration.ofMillis(300))).as("published a third time").isEmpty();
    }

    private StateOutbox openOn(EventLog on) {
        return openOn(on, StateOutbox.MAX_HELD_BYTES, StateOutbox.MAX_APP_HELD_BYTES);
    }

    private StateOutbox openOn(EventLog on, long maxHeldBytes, long maxAppHeldBytes) {
        StateOutbox outbox = StateOutbox.open(dir.resolve("outbox"), on, (app, key) -> Optional.ofNullable(state.get(app + "/" + key)),
                maxHeldBytes, maxAppHeldBytes).start();
        opened.add(outbox);
        return outbox;
    }

    /** The app's state trigger's subscription on {@code memory}, as a node opens it before its outbox starts. */
    private static EventLog.Subscription trigger(EmbeddedEventLog memory) {
        return memory.subscribe("carts-changes", APP.tenant(), "skyfn.state.carts", -1, Instant.EPOCH, Duration.ofSeconds(30), 10);
    }

    @Test
    void aFrameChangedOnTheDiskIsSkippedAndTheFramesAfterItAreStillRead() throws IOException {
        StateOutbox first = open();
        log.refusing.set(true);
        write(first, "a", "1");
        write(first, "b", "1");
        write(first, "c", "1");
        first.close();
        Path file = dir.resolve("outbox");
        byte[] bytes = Files.readAllBytes(file);
        int second = java.util.Collections.indexOfSubList(java.util.Arrays.asList(box(bytes)), java.util.Arrays.asList(box("b=1".getBytes(
                StandardCharsets.UTF_8))));
        bytes[second] ^= 0x20;
        Files.write(file, bytes);

        log.refusing.set(false);
        StateOutbox again = open();
        await().atMost(Duration.ofSeconds(30)).until(() -> again.waiting() == 0);
        assertThat(log.values()).containsExactly("a=1", "c=1");
    }

    private static Byte[] box(byte[] bytes) {
        Byte[] boxed = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            boxed[i] = bytes[i];
        }
        return boxed;
    }

    @Test
    void changesMadeBeforeTheOutboxStartsWaitForIt() {
        StateOutbox outbox = StateOutbox.open(dir.resolve("outbox"), log, (app, key) -> Optional.ofNullable(state.get(app + "/" + key)),
                StateOutbox.MAX_HELD_BYTES, StateOutbox.MAX_APP_HELD_BYTES);
        opened.add(outbox);
        write(outbox, "a", "1");
        assertThat(log.kept).as("published before the triggers subscribe, the embedded log would drop it").isEmpty();
        outbox.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> log.kept.size() == 1);
    }

    @Test
    void aFullOutboxRefusesTheWriteBeforeItIsMade() {
        StateOutbox outbox = open(1024);
        log.refusing.set(true);
        write(outbox, "a", "1".repeat(200));
        write(outbox, "a", "2".repeat(200));
        assertThatThrownBy(() -> hold(outbox, "a", "3".repeat(200)))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        log.refusing.set(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.waiting() == 0);
        write(outbox, "a", "3".repeat(200));
        assertThat(log.kept).hasSize(3);
    }

    /** One app whose changes wait has its own writes refused; another app's go on. */
    @Test
    void anAppWhoseChangesWaitHasOnlyItsOwnWritesRefused() {
        StateOutbox outbox = open(4096, 1200);
        log.refusing.set(true);
        write(outbox, "a", "1".repeat(300));
        write(outbox, "a", "2".repeat(300));
        assertThatThrownBy(() -> hold(outbox, "a", "3".repeat(300)))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("changes of acme/carts");
        AppKey other = new AppKey("globex", "orders");
        Event event = new Event(other.tenant(), "skyfn.state.orders", "o-1", "/test", Triggers.STATE_CHANGED, Instant.now(), "text/plain",
                "k", Map.of(), "k=1".getBytes(StandardCharsets.UTF_8));
        outbox.hold(other, "k", null, "1".getBytes(StandardCharsets.UTF_8), event).made();
        log.refusing.set(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.waiting() == 0);
        assertThat(log.values()).containsExactly("a=" + "1".repeat(300), "a=" + "2".repeat(300), "k=1");
    }
}
