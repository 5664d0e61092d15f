package dev.skyfn.nats.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.cloud.Trust;
import dev.skyfn.core.testing.Disk;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventEnvelope;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.nats.OneServer;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tenants' events kept in JetStream: what a subscriber reads back, and what the server's files hold of them. */
@Tag("slow")
class JetStreamEventLogTest {

    @RegisterExtension
    static final OneServer server = new OneServer();

    private final JetStreamEventLog log = JetStreamEventLog.open(server.engine(), OneServer.SEALER);

    @Test
    void anEventComesBackWithEveryAttributeAndOnlyItsIdIsInClearOnTheServersDisk() throws Exception {
        String tenant = OneServer.freshName("acme");
        Instant time = Instant.parse("2026-12-04T10:15:30.123456789Z");
        var sent = new Event(tenant, "orders.eu", "order-secret-id-77", "/shop/checkout-secret-source", "com.acme.order.secret-type", time,
                "application/json", "customer-secret-key", Map.of("region", "eu-secret-region", "attempts", "2"),
                "{\"card\": \"4111-secret-card\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(log.publish(sent)).isTrue();
        assertThat(log.publish(sent)).as("the same id again, within the duplicate window").isFalse();
        List<EventLog.Delivery> got = take(tenant, "orders.>", 1);

        Event back = got.getFirst().event();
        assertThat(back).usingRecursiveComparison().ignoringFields("data").isEqualTo(sent);
        assertThat(back.data()).isEqualTo(sent.data());
        assertThat(back.partition()).isEqualTo(sent.partition());
        got.getFirst().ack();
        server.engine().connection().flush(Duration.ofSeconds(5));
        // the id is the message id JetStream drops duplicates by: the one attribute the server reads
        assertThat(Disk.holds(server.storeDir(), "order-secret-id-77")).isTrue();
        for (String secret : List.of("4111-secret-card", "checkout-secret-source", "secret-type", "customer-secret-key",
                "eu-secret-region")) {
            assertThat(Disk.holds(server.storeDir(), secret)).as("%s in the server's files", secret).isFalse();
        }
    }

    @Test
    void anEventWithoutOptionalAttributesComesBackWithoutThem() throws Exception {
        String tenant = OneServer.freshName("acme");
        var sent = new Event(tenant, "bare", "b-1", "/s", "t", Instant.ofEpochSecond(1), null, null, Map.of(), new byte[0]);
        log.publish(sent);

        Event back = take(tenant, "bare", 1).getFirst().event();

        assertThat(back.contentType()).isNull();
        assertThat(back.partitionKey()).isNull();
        assertThat(back.extensions()).isEmpty();
        assertThat(back.data()).isEmpty();
        assertThat(back.time()).isEqualTo(sent.time());
    }

    @Test
    void anEventKeptInTheFirstLayoutAttributesAsHeadersIsStillRead() throws Exception {
        String tenant = OneServer.freshName("acme");
        byte[] data = "old".getBytes(StandardCharsets.UTF_8);
        var headers = new Headers().put("Ce-id", "old-1").put("Ce-source", "/old").put("Ce-type", "old.type")
                .put("Ce-time", "2026-12-01T00:00:00Z").put("Content-Type", "text/plain").put("Ce-partitionkey", "k").put("Ce-region", "eu");
        int partition = Math.floorMod("k".hashCode(), Event.PARTITIONS);
        server.engine().connection().jetStream(server.engine().jsOptions()).publish(
                JetStreamEventLog.natsSubject(tenant, partition, "legacy"), headers, OneServer.SEALER.seal(tenant, "event/legacy/old-1", data),
                PublishOptions.builder().messageId(tenant + ":old-1").build());

        Event back = take(tenant, "legacy", 1).getFirst().event();

        assertThat(back).extracting(Event::id, Event::source, Event::type, Event::time, Event::contentType, Event::partitionKey, Event::extensions)
                .containsExactly("old-1", "/old", "old.type", Instant.parse("2026-12-01T00:00:00Z"), "text/plain", "k", Map.of("region", "eu"));
        assertThat(back.data()).isEqualTo(data);
    }

    @Test
    void aMessageNoNodeCanReadIsLeftInTheStreamAndTheEventsAfterItAreTaken() throws Exception {
        String tenant = OneServer.freshName("acme");
        var js = server.engine().connection().jetStream(server.engine().jsOptions());
        var alien = js.publish(JetStreamEventLog.natsSubject(tenant, 0, "mixed"), null, "not sealed, not an envelope".getBytes(StandardCharsets.UTF_8),
                PublishOptions.builder().messageId(tenant + ":alien").build());
        var good = new Event(tenant, "mixed", "good-1", "/s", "t", Instant.EPOCH, null, null, Map.of(), new byte[] {7});
        log.publish(good);

        EventLog.Subscription sub = log.subscribe(OneServer.freshName("sub"), tenant, "mixed", -1, Instant.EPOCH, Duration.ofSeconds(1), 100);
        try {
            List<EventLog.Delivery> got = sub.fetch(2, Duration.ofSeconds(2));
            assertThat(got).extracting(d -> d.event().id()).containsExactly("good-1");
            got.getFirst().ack();
            assertThat(sub.fetch(2, Duration.ofSeconds(2))).as("after the ack wait of 1 s: the unreadable message is not handed out again").isEmpty();
        } finally {
            sub.close();
        }
        var kept = server.engine().connection().jetStreamManagement(server.engine().jsOptions())
                .getMessage(JetStreamEventLog.STREAM, alien.getSeqno());
        assertThat(new String(kept.getData(), StandardCharsets.UTF_8)).isEqualTo("not sealed, not an envelope");
    }

    @Test
    void aNodeWithoutTheKeyOfTheTenantsTrustHandsItsEventsBackForOneThatHasIt() throws Exception {
        String tenant = OneServer.freshName("bank");
        byte[] untrustedKey = java.util.HexFormat.of().parseHex(Sealer.newKey());
        java.util.function.Function<String, Trust> policy = t -> t.equals(tenant) ? Trust.TRUSTED : Trust.UNTRUSTED;
        var trustedNode = JetStreamEventLog.open(server.engine(), Sealer.of(Map.of(Trust.UNTRUSTED, untrustedKey,
                Trust.TRUSTED, java.util.HexFormat.of().parseHex(Sealer.newKey()))).withPolicy(policy));
        var untrustedNode = JetStreamEventLog.open(server.engine(), Sealer.of(untrustedKey).withPolicy(policy));
        trustedNode.publish(new Event(tenant, "pay", "p-1", "/s", "t", Instant.EPOCH, null, null, Map.of(), new byte[] {9}));
        String name = OneServer.freshName("sub");

        EventLog.Subscription there = untrustedNode.subscribe(name, tenant, "pay", -1, Instant.EPOCH, Duration.ofSeconds(30), 100);
        assertThat(there.fetch(1, Duration.ofSeconds(1))).as("taken and handed back by the node without the key").isEmpty();
        there.close();
        EventLog.Subscription here = trustedNode.subscribe(name, tenant, "pay", -1, Instant.EPOCH, Duration.ofSeconds(30), 100);
        try {
            assertThat(here.fetch(1, Duration.ofSeconds(5))).as("within the ack wait of 30 s: handed back, not left to expire")
                    .extracting(d -> d.event().id()).containsExactly("p-1");
        } finally {
            here.close();
        }
    }

    @Test
    void anEnvelopeMovedToAnotherEventsIdOrAlteredDoesNotOpen() {
        String tenant = OneServer.freshName("acme");
        var e = new Event(tenant, "s", "e-1", "/s", "t", Instant.EPOCH, null, null, Map.of(), new byte[] {1});
        byte[] sealed = OneServer.SEALER.seal(tenant, "event/s/e-1", EventEnvelope.write(e));

        assertThatThrownBy(() -> OneServer.SEALER.open(tenant, "event/s/e-2", sealed)).as("under another id").isInstanceOf(RuntimeException.class);
        byte[] altered = sealed.clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> OneServer.SEALER.open(tenant, "event/s/e-1", altered)).as("altered").isInstanceOf(RuntimeException.class);
    }

    @Test
    void aBrokenEnvelopeIsRefusedSayingWhatIsWrongWithIt() {
        var e = new Event("acme", "s", "e-1", "/s", "t", Instant.EPOCH, "text/plain", null, Map.of("x", "y"), new byte[] {1, 2, 3});
        byte[] good = EventEnvelope.write(e);
        assertThat(EventEnvelope.read("acme", "s", good)).usingRecursiveComparison().ignoringFields("data").isEqualTo(e);

        assertThatThrownBy(() -> EventEnvelope.read("acme", "s", "{\"id\": 1}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not an event envelope");
        assertThatThrownBy(() -> EventEnvelope.read("acme", "s", Arrays.copyOf(good, good.length - 1))).hasMessageContaining("length of 3");
        assertThatThrownBy(() -> EventEnvelope.read("acme", "s", Arrays.copyOf(good, 10))).hasMessageContaining("cut short");
        byte[] longer = Arrays.copyOf(good, good.length + 2);
        assertThatThrownBy(() -> EventEnvelope.read("acme", "s", longer)).hasMessageContaining("2 bytes after its data");
        byte[] huge = good.clone();
        huge[2] = 0x7f; // the id's length
        assertThatThrownBy(() -> EventEnvelope.read("acme", "s", huge)).hasMessageContaining("a length of");
        byte[] noId = good.clone();
        Arrays.fill(noId, 2, 6, (byte) 0xff); // the id's length: -1, absent
        assertThatThrownBy(() -> EventEnvelope.read("acme", "s", noId)).hasMessageContaining("without its id");
    }

    @Test
    void aSubscriptionNoNodeAsksForEventsIsDeletedByJetStreamOnceItsEventsCannotBeHandedOutTwice() throws Exception {
        String name = OneServer.freshName("sub");
        log.subscribe(name, OneServer.freshName("acme"), "orders", -1, Instant.EPOCH, Duration.ofSeconds(30), 100).close();
        var info = server.engine().connection().jetStreamManagement().getConsumerInfo(JetStreamEventLog.STREAM, name);
        Duration threshold = info.getConsumerConfiguration().getInactiveThreshold();
        assertThat(threshold).isEqualTo(JetStreamEventLog.FORGOTTEN);
        assertThat(threshold).as("longer than events are kept").isGreaterThan(JetStreamEventLog.KEPT);

        String older = OneServer.freshName("sub");
        var management = server.engine().connection().jetStreamManagement();
        management.addOrUpdateConsumer(JetStreamEventLog.STREAM, io.nats.client.api.ConsumerConfiguration.builder().durable(older)
                .filterSubject(JetStreamEventLog.natsSubject(OneServer.freshName("acme"), -1, "orders"))
                .ackPolicy(io.nats.client.api.AckPolicy.Explicit).build());
        log.subscribe(older, OneServer.freshName("acme"), "orders", -1, Instant.EPOCH, Duration.ofSeconds(30), 100).close();
        assertThat(management.getConsumerInfo(JetStreamEventLog.STREAM, older).getConsumerConfiguration().getInactiveThreshold())
                .as("a subscription made before they were let go").isEqualTo(JetStreamEventLog.FORGOTTEN);
    }

    @Test
    void aForgottenSubscriptionIsDeletedAndOpenedAgainStartsAfresh() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        log.subscribe(name, tenant, "orders", -1, Instant.EPOCH, Duration.ofSeconds(30), 100).close();
        log.publish(new Event(tenant, "orders", "o-1", "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
        log.forget(name);
        var management = server.engine().connection().jetStreamManagement();
        assertThatThrownBy(() -> management.getConsumerInfo(JetStreamEventLog.STREAM, name)).isInstanceOf(io.nats.client.JetStreamApiException.class);
        log.forget(name); // a second node's forgetting finds nothing
        EventLog.Subscription again = log.subscribe(name, tenant, "orders", -1, Instant.now().plusSeconds(1), Duration.ofSeconds(30), 100);
        try {
            assertThat(again.fetch(10, Duration.ofMillis(500))).as("what was published before it was made again").isEmpty();
        } finally {
            again.close();
        }
    }

    @Test
    void aKeyOrderedPartitionTakenInBatchesIsTakenByOneNodeAtATimeUntilItLetsGo() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int partition = event(tenant, 0).partition();
        // two nodes' lanes of one partition, room for ten events out at once
        EventLog.Subscription first = log.subscribe(name, tenant, "orders", partition, Instant.EPOCH, Duration.ofSeconds(30), 10);
        EventLog.Subscription second = log.subscribe(name, tenant, "orders", partition, Instant.EPOCH, Duration.ofSeconds(30), 10);
        try {
            for (int i = 0; i < 3; i++) {
                log.publish(event(tenant, i));
            }
            List<EventLog.Delivery> batch = first.fetch(10, Duration.ofMillis(500));
            assertThat(batch).hasSize(3);
            for (int i = 3; i < 6; i++) {
                log.publish(event(tenant, i));
            }
            // the first batch still runs: the later events must not run beside it
            assertThat(second.fetch(10, Duration.ofMillis(500))).isEmpty();
            batch.forEach(EventLog.Delivery::ack);
            List<EventLog.Delivery> next = first.fetch(10, Duration.ofMillis(500));
            assertThat(next).extracting(d -> d.event().id()).containsExactly("o-3", "o-4", "o-5");
            next.forEach(EventLog.Delivery::ack);

            first.close();
            log.publish(event(tenant, 6));
            assertThat(second.fetch(10, Duration.ofSeconds(2))).extracting(d -> d.event().id()).containsExactly("o-6");
        } finally {
            first.close();
            second.close();
        }
    }

    /**
     * A node added to a key-ordered trigger takes half its partitions from the node that had them
     * all, and the first takes them all back once the second has gone; no partition is taken by
     * both at once.
     */
    @Test
    void theKeyOrderedPartitionsSpreadOverTheNodesThatTakeThem() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        Lanes first = new Lanes("first", log, name, tenant);
        Lanes second = null;
        try {
            assertThat(awaitSpread(tenant, first, null)).containsEntry("first", Event.PARTITIONS);

            second = new Lanes("second", JetStreamEventLog.open(server.engine(), OneServer.SEALER), name, tenant);
            assertThat(awaitSpread(tenant, first, second)).containsEntry("first", 4).containsEntry("second", 4);

            second.close();
            assertThat(awaitSpread(tenant, first, null)).containsEntry("first", Event.PARTITIONS);
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
        assertThat(OVERLAPPED.get()).as("a partition's batch taken while another node's ran").isFalse();
    }

    /**
     * A partition its node lets go, for a node added, while a batch of it is out there: the node
     * takes no more of its events, and lets it go only once that batch is acknowledged — never
     * does the other node take the partition's next events beside it.
     */
    @Test
    void aPartitionIsLetGoOnlyOnceNoBatchOfItIsOut() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int last = Event.PARTITIONS - 1; // the highest partitions are those let go
        Lanes first = new Lanes("first", log, name, tenant, last);
        Lanes second = null;
        try {
            EventLog.Subscription lane = first.own(last);
            log.publish(new Event(tenant, "orders", "b-1", "/t", "t", Instant.now(), null, keyOf(last), Map.of(), new byte[0]));
            List<EventLog.Delivery> running = List.of();
            for (int i = 0; i < 20 && running.isEmpty(); i++) {
                running = lane.fetch(10, Duration.ofMillis(250));
            }
            assertThat(running).extracting(d -> d.event().id()).containsExactly("b-1");

            second = new Lanes("second", JetStreamEventLog.open(server.engine(), OneServer.SEALER), name, tenant);
            Lanes joined = second;
            // the other partitions let go have moved: the node has counted the second and let go what it could
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (int p = Event.PARTITIONS / 2; p < last; p++) {
                    String id = "m-" + p + "-" + java.util.UUID.randomUUID();
                    log.publish(new Event(tenant, "orders", id, "/t", "t", Instant.now(), null, keyOf(p), Map.of(), new byte[0]));
                    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    while (!joined.took.contains(id) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    if (!joined.took.contains(id)) {
                        return false;
                    }
                }
                return true;
            });
            log.publish(new Event(tenant, "orders", "b-2", "/t", "t", Instant.now(), null, keyOf(last), Map.of(), new byte[0]));
            for (int i = 0; i < 8; i++) {
                assertThat(lane.fetch(10, Duration.ofMillis(250))).as("taken by a node letting the partition go").isEmpty();
            }
            assertThat(second.took).as("taken beside the batch still out").doesNotContain("b-2");

            running.forEach(EventLog.Delivery::ack);
            for (int i = 0; i < 40 && !second.took.contains("b-2"); i++) {
                assertThat(lane.fetch(10, Duration.ofMillis(250))).isEmpty();
            }
            assertThat(second.took).as("taken by the node added once the batch was done").contains("b-2");
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
        assertThat(OVERLAPPED.get()).isFalse();
    }

    /**
     * A node whose trigger stops (its app moved elsewhere) with a batch still running is counted
     * out at once: the other node takes every partition but the one whose batch runs, and that one
     * once it closes.
     */
    @Test
    void aNodeStoppingIsCountedOutWhileItsLastBatchRuns() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int last = Event.PARTITIONS - 1;
        Lanes first = new Lanes("first", log, name, tenant);
        Lanes second = new Lanes("second", JetStreamEventLog.open(server.engine(), OneServer.SEALER), name, tenant, last);
        try {
            // the second node's own lane takes the last partition, let go by the first, and keeps a batch of it out
            EventLog.Subscription lane = second.own(last);
            List<EventLog.Delivery> running = new java.util.ArrayList<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> {
                log.publish(new Event(tenant, "orders", "s-" + java.util.UUID.randomUUID(), "/t", "t", Instant.now(), null, keyOf(last),
                        Map.of(), new byte[0]));
                running.addAll(lane.fetch(10, Duration.ofMillis(500)));
                return !running.isEmpty();
            });

            second.stopAllBut(last);
            Map<Integer, String> takers = awaitTakers(tenant, first, second, last);
            assertThat(takers.values()).as("partitions but the last, with the second node stopping").containsOnly("first");

            running.forEach(EventLog.Delivery::ack);
            lane.close();
            assertThat(awaitSpread(tenant, first, null)).containsEntry("first", Event.PARTITIONS);
        } finally {
            first.close();
            second.close();
        }
        assertThat(OVERLAPPED.get()).isFalse();
    }

    /** Publishes to every partition but {@code skipped} until one round's events all go to the first node; who took each. */
    private Map<Integer, String> awaitTakers(String tenant, Lanes first, Lanes second, int skipped) {
        var last = new java.util.concurrent.atomic.AtomicReference<Map<Integer, String>>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Map<Integer, String> ids = new java.util.HashMap<>();
            for (int p = 0; p < Event.PARTITIONS; p++) {
                if (p != skipped) {
                    String id = "t-" + java.util.UUID.randomUUID();
                    ids.put(p, id);
                    log.publish(new Event(tenant, "orders", id, "/t", "t", Instant.now(), null, keyOf(p), Map.of(), new byte[0]));
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline && !ids.values().stream().allMatch(id -> taker(id, first, second) != null)) {
                Thread.sleep(20);
            }
            Map<Integer, String> takers = new java.util.HashMap<>();
            ids.forEach((p, id) -> takers.put(p, String.valueOf(taker(id, first, second))));
            last.set(takers);
            return takers.values().stream().allMatch("first"::equals);
        });
        return last.get();
    }

    /**
     * Publishes an event to each partition until one round's events go to the nodes as {@code
     * second} being there or not would have them (half each, or all to {@code first}); how many
     * partitions each node took in that round.
     */
    private Map<String, Integer> awaitSpread(String tenant, Lanes first, Lanes second) {
        var last = new java.util.concurrent.atomic.AtomicReference<Map<String, Integer>>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Map<Integer, String> takers = new java.util.concurrent.ConcurrentHashMap<>();
            List<String> ids = new java.util.ArrayList<>();
            for (int p = 0; p < Event.PARTITIONS; p++) {
                String id = "r-" + java.util.UUID.randomUUID();
                ids.add(id);
                log.publish(new Event(tenant, "orders", id, "/t", "t", Instant.now(), null, keyOf(p), Map.of(), new byte[0]));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline && !ids.stream().allMatch(id -> taker(id, first, second) != null)) {
                Thread.sleep(20);
            }
            Map<String, Integer> counts = new java.util.HashMap<>();
            for (String id : ids) {
                String node = taker(id, first, second);
                counts.merge(node == null ? "nobody" : node, 1, Integer::sum);
            }
            last.set(counts);
            return second == null ? counts.equals(Map.of("first", Event.PARTITIONS))
                    : counts.equals(Map.of("first", Event.PARTITIONS / 2, "second", Event.PARTITIONS / 2));
        });
        return last.get();
    }

    private static String taker(String id, Lanes first, Lanes second) {
        return first.took.contains(id) ? first.node : second != null && second.took.contains(id) ? second.node : null;
    }

    /** A key whose events go to partition {@code p}. */
    private static String keyOf(int p) {
        for (int i = 0; ; i++) {
            if (Math.floorMod(("k" + i).hashCode(), Event.PARTITIONS) == p) {
                return "k" + i;
            }
        }
    }

    /** Which partitions' batches run now, across the nodes, to find two of one at once. */
    private static final Map<Integer, String> RUNNING = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicBoolean OVERLAPPED = new java.util.concurrent.atomic.AtomicBoolean();

    /** One node's lanes of a key-ordered trigger's partitions, taking batches of up to ten events as a topic runner does. */
    private static final class Lanes implements AutoCloseable {
        final String node;
        final java.util.Set<String> took = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private volatile boolean closed;
        private final List<EventLog.Subscription> subs = new java.util.ArrayList<>();
        private final List<Thread> threads = new java.util.ArrayList<>();

        Lanes(String node, EventLog log, String name, String tenant) {
            this(node, log, name, tenant, -1);
        }

        /** All but {@code own}'s lanes run here; that one's subscription is left to the test ({@link #own}). */
        Lanes(String node, EventLog log, String name, String tenant, int own) {
            this.node = node;
            for (int p = 0; p < Event.PARTITIONS; p++) {
                int partition = p;
                EventLog.Subscription sub = log.subscribe(name + "-" + p, tenant, "orders", p, Instant.EPOCH, Duration.ofSeconds(30), 10);
                subs.add(sub);
                if (p == own) {
                    continue;
                }
                threads.add(Thread.ofVirtual().start(() -> {
                    while (!closed) {
                        try {
                            List<EventLog.Delivery> batch = sub.fetch(10, Duration.ofMillis(200));
                            if (batch.isEmpty()) {
                                continue;
                            }
                            if (RUNNING.putIfAbsent(partition, node) != null) {
                                OVERLAPPED.set(true);
                            }
                            batch.forEach(d -> took.add(d.event().id()));
                            batch.forEach(EventLog.Delivery::ack);
                            RUNNING.remove(partition, node);
                        } catch (InterruptedException e) {
                            return;
                        } catch (RuntimeException e) {
                            // the subscription closed under the lane
                        }
                    }
                }));
            }
        }

        EventLog.Subscription own(int partition) {
            return subs.get(partition);
        }

        /** The node's trigger stops: every lane is told so, and all but {@code busy}'s close, as their calls have ended. */
        void stopAllBut(int busy) throws InterruptedException {
            closed = true;
            for (Thread t : threads) {
                t.join();
            }
            subs.forEach(EventLog.Subscription::stopping);
            for (int p = 0; p < subs.size(); p++) {
                if (p != busy) {
                    subs.get(p).close();
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            for (Thread t : threads) {
                t.join();
            }
            subs.forEach(EventLog.Subscription::close);
        }
    }

    /**
     * Short requests for events while they are published, the subscription closed and opened
     * again: every event JetStream handed out reached the taker — none sits delivered and unseen
     * in the client, to come back only after the ack wait — and a wait under a millisecond is taken.
     */
    @Test
    void everyEventHandedOutReachesTheTakerThoughItsRequestsAreShort() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        var publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread publisher = Thread.ofPlatform().start(() -> {
            for (int i = 0; publishing.get(); i++) {
                log.publish(event(tenant, i));
                java.util.concurrent.locks.LockSupport.parkNanos(300_000);
            }
        });
        try {
            for (int round = 0; round < 20; round++) {
                EventLog.Subscription sub = log.subscribe(name, tenant, "orders", -1, Instant.EPOCH, Duration.ofMinutes(1), 1000);
                long until = System.nanoTime() + Duration.ofMillis(100).toNanos();
                for (int i = 0; System.nanoTime() < until; i++) {
                    sub.fetch(3, Duration.ofNanos(i % 2 == 0 ? 500_000 : 1_000_000)).forEach(EventLog.Delivery::ack);
                }
                sub.close();
            }
        } finally {
            publishing.set(false);
            publisher.join();
        }
        var jsm = server.engine().connection().jetStreamManagement();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> jsm.getConsumerInfo(JetStreamEventLog.STREAM, name).getNumAckPending() == 0);
    }

    /**
     * A key-ordered partition's event whose call failed comes back before the events published
     * after it, though the batch it came in left room for them: it is handed back at once and the
     * lane rests for its back-off.
     */
    @Test
    void aFailedEventOfAKeyOrderedPartitionIsTakenAgainBeforeTheEventsAfterIt() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int partition = event(tenant, 0).partition();
        // an ack wait longer than the test: an event not handed back would not come back within it
        EventLog.Subscription lane = log.subscribe(name, tenant, "orders", partition, Instant.EPOCH, Duration.ofMinutes(1), 5);
        try {
            log.publish(event(tenant, 0));
            List<EventLog.Delivery> first = awaitBatch(lane);
            assertThat(first).extracting(d -> d.event().id()).containsExactly("o-0");
            long failed = System.nanoTime();
            first.getFirst().retryIn(Duration.ofMillis(300));
            log.publish(event(tenant, 1));
            log.publish(event(tenant, 2));

            List<EventLog.Delivery> next = awaitBatch(lane);
            assertThat(System.nanoTime() - failed).as("the back-off").isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
            assertThat(next).extracting(d -> d.event().id()).containsExactly("o-0", "o-1", "o-2");
            assertThat(next.getFirst().attempt()).isEqualTo(2);
        } finally {
            lane.close();
        }
    }

    /**
     * A node takes a key-ordered partition whose last holder died under a batch that left room
     * for later events: that batch, handed out again once its ack wait is over, runs before them.
     */
    @Test
    void aPartitionWhoseHolderDiedUnderABatchRunsThatBatchBeforeTheEventsAfterIt() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int partition = event(tenant, 0).partition();
        Duration ackWait = Duration.ofSeconds(2);
        EventLog.Subscription lane = log.subscribe(name, tenant, "orders", partition, Instant.EPOCH, ackWait, 5);
        var dead = server.engine().connection().jetStream().subscribe(null, io.nats.client.PullSubscribeOptions.bind(JetStreamEventLog.STREAM, name));
        try {
            log.publish(event(tenant, 0));
            // the holder that died: it took the first event and never said more
            assertThat(dead.fetch(1, Duration.ofSeconds(5))).hasSize(1);
            log.publish(event(tenant, 1));
            log.publish(event(tenant, 2));

            List<EventLog.Delivery> next = awaitBatch(lane);
            assertThat(next).extracting(d -> d.event().id()).containsExactly("o-0", "o-1", "o-2");
        } finally {
            dead.unsubscribe();
            lane.close();
        }
    }

    /**
     * A partition taken from a holder whose events came back out of the order published — one at
     * once (it reached the holder as it died), the earlier ones after their ack wait — runs them
     * in the order published, before the events after them.
     */
    @Test
    void eventsThatCameBackOutOfOrderAreTakenInTheOrderPublished() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int partition = event(tenant, 0).partition();
        Duration ackWait = Duration.ofSeconds(2);
        EventLog.Subscription lane = log.subscribe(name, tenant, "orders", partition, Instant.EPOCH, ackWait, 5);
        var connection = server.engine().connection();
        var dead = connection.jetStream().subscribe(null, io.nats.client.PullSubscribeOptions.bind(JetStreamEventLog.STREAM, name));
        try {
            for (int i = 0; i < 3; i++) {
                log.publish(event(tenant, i));
            }
            List<io.nats.client.Message> taken = dead.fetch(3, Duration.ofSeconds(5));
            assertThat(taken).hasSize(3);
            // the last back at once, the first two once their ack wait is over
            assertThat(connection.request(taken.get(2).getReplyTo(), "-NAK".getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(5)))
                    .isNotNull();
            log.publish(event(tenant, 3));

            List<EventLog.Delivery> next = awaitBatch(lane);
            assertThat(next).extracting(d -> d.event().id()).containsExactly("o-0", "o-1", "o-2", "o-3");
        } finally {
            dead.unsubscribe();
            lane.close();
        }
    }

    /**
     * A partition taken whose events out were all handed back — a failed batch its last holder
     * handed back before it let the partition go — is taken from at once, not after an ack wait.
     */
    @Test
    void aPartitionWhoseEventsOutWereAllHandedBackIsTakenFromAtOnce() throws Exception {
        String tenant = OneServer.freshName("acme");
        String name = OneServer.freshName("sub");
        int partition = event(tenant, 0).partition();
        // an ack wait longer than the test: a lane waiting for it would take nothing within the test
        EventLog.Subscription lane = log.subscribe(name, tenant, "orders", partition, Instant.EPOCH, Duration.ofMinutes(1), 5);
        var connection = server.engine().connection();
        var last = connection.jetStream().subscribe(null, io.nats.client.PullSubscribeOptions.bind(JetStreamEventLog.STREAM, name));
        try {
            log.publish(event(tenant, 0));
            log.publish(event(tenant, 1));
            List<io.nats.client.Message> taken = last.fetch(2, Duration.ofSeconds(5));
            assertThat(taken).hasSize(2);
            for (var m : taken) {
                assertThat(connection.request(m.getReplyTo(), "-NAK".getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(5))).isNotNull();
            }
            log.publish(event(tenant, 2));

            List<EventLog.Delivery> next = awaitBatch(lane);
            assertThat(next).extracting(d -> d.event().id()).containsExactly("o-0", "o-1", "o-2");
        } finally {
            last.unsubscribe();
            lane.close();
        }
    }

    /** The first events a lane takes within 20 s, all that one request brings. */
    private static List<EventLog.Delivery> awaitBatch(EventLog.Subscription lane) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            List<EventLog.Delivery> got = lane.fetch(5, Duration.ofMillis(200));
            if (!got.isEmpty()) {
                return got;
            }
        }
        throw new AssertionError("no event taken within 20 s");
    }

    @Test
    void aSubscriptionOpenedAgainWithMoreRoomForEventsOutGetsIt() throws Exception {
        String name = OneServer.freshName("sub");
        String tenant = OneServer.freshName("acme");
        log.subscribe(name, tenant, "orders", 3, Instant.EPOCH, Duration.ofSeconds(30), 3).close();
        log.subscribe(name, tenant, "orders", 3, Instant.EPOCH, Duration.ofSeconds(30), 7).close();
        var info = server.engine().connection().jetStreamManagement().getConsumerInfo(JetStreamEventLog.STREAM, name);
        assertThat(info.getConsumerConfiguration().getMaxAckPending()).as("a new version's batch size").isEqualTo(7);
    }

    @Test
    void listenersOfAGroupAreEachHandedAShareOfTheEventsAsPublishedAndEachEventOnceAcrossThem() throws Exception {
        String tenant = OneServer.freshName("acme");
        String group = OneServer.freshName("group");
        var nodeB = JetStreamEventLog.open(server.engine(), OneServer.SEALER);
        var toA = new java.util.concurrent.CopyOnWriteArrayList<Event>();
        var toB = new java.util.concurrent.CopyOnWriteArrayList<Event>();
        var otherGroup = new java.util.concurrent.CopyOnWriteArrayList<Event>();
        var otherTenant = new java.util.concurrent.CopyOnWriteArrayList<Event>();
        // sent ahead of JetStream for the listeners: what the fleet's triggers want, less an event of orders.us it does not
        log.heardAhead(e -> e.tenant().equals(tenant) && !e.id().equals("not-wanted"));
        EventLog.Listener a = log.listen(group, tenant, "orders.*", toA::add);
        EventLog.Listener b = nodeB.listen(group, tenant, "orders.*", toB::add);
        EventLog.Listener c = log.listen(OneServer.freshName("group"), tenant, "orders.eu", otherGroup::add);
        EventLog.Listener d = log.listen(group, OneServer.freshName("other"), "orders.*", otherTenant::add);
        try {
            int n = 60;
            for (int i = 0; i < n; i++) {
                log.publish(new Event(tenant, i % 2 == 0 ? "orders.eu" : "orders.us", "o-" + i, "/t", "t", Instant.now(), "text/plain",
                        null, Map.of("n", Integer.toString(i)), ("data " + i).getBytes(StandardCharsets.UTF_8)));
            }
            log.publish(new Event(tenant, "orders.eu.late", "o-deeper", "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
            log.publish(new Event(tenant, "orders.us", "not-wanted", "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> toA.size() + toB.size() >= n && otherGroup.size() >= n / 2);

            List<String> ids = java.util.stream.Stream.concat(toA.stream(), toB.stream()).map(Event::id).sorted().toList();
            assertThat(ids).as("each event sent ahead once across the group").doesNotHaveDuplicates().hasSize(n).doesNotContain("not-wanted");
            assertThat(toA).as("shared between the group's listeners").isNotEmpty();
            assertThat(toB).isNotEmpty();
            Event one = java.util.stream.Stream.concat(toA.stream(), toB.stream()).filter(e -> e.id().equals("o-7")).findFirst().orElseThrow();
            assertThat(one.subject()).isEqualTo("orders.us");
            assertThat(one.extensions()).containsEntry("n", "7");
            assertThat(new String(one.data(), StandardCharsets.UTF_8)).isEqualTo("data 7");
            assertThat(otherGroup).as("another group hears every event it wants").hasSize(n / 2)
                    .allSatisfy(e -> assertThat(e.subject()).isEqualTo("orders.eu"));
            assertThat(otherTenant).as("another tenant's subjects").isEmpty();

            a.close();
            b.close();
            log.publish(new Event(tenant, "orders.eu", "after-close", "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> otherGroup.size() == n / 2 + 1);
            assertThat(toA).noneMatch(e -> e.id().equals("after-close"));
            assertThat(toB).noneMatch(e -> e.id().equals("after-close"));
            assertThat(take(tenant, "orders.>", n + 3)).as("all kept for the durable subscriptions").hasSize(n + 3);
        } finally {
            log.heardAhead(e -> false);
            a.close();
            b.close();
            c.close();
            d.close();
        }
    }

    @Test
    void anEventALocalListenerTakesRunsOnThePublishingNodeAloneAndTheGroupsOtherMembersDropIt() throws Exception {
        String tenant = OneServer.freshName("acme");
        String group = OneServer.freshName("group");
        var nodeB = JetStreamEventLog.open(server.engine(), OneServer.SEALER);
        var takenByA = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var offeredToB = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var toA = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var toB = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var otherGroup = new java.util.concurrent.CopyOnWriteArrayList<String>();
        log.heardAhead(e -> e.tenant().equals(tenant));
        nodeB.heardAhead(e -> e.tenant().equals(tenant));
        // A takes what is published through its node and named t-…; B takes all that is published through its own
        EventLog.Listener a = log.listen(group, tenant, "orders.*", e -> toA.add(e.id()), e -> e.id().startsWith("t-") && takenByA.add(e.id()));
        EventLog.Listener b = nodeB.listen(group, tenant, "orders.*", e -> toB.add(e.id()), e -> offeredToB.add(e.id()));
        EventLog.Listener c = log.listen(OneServer.freshName("group"), tenant, "orders.*", e -> otherGroup.add(e.id()));
        try {
            int taken = 10;
            int left = 30;
            for (int i = 0; i < taken; i++) {
                log.publish(new Event(tenant, "orders.eu", "t-" + i, "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
            }
            // published after the taken ones: once a member has one of these, it has had whatever came before
            for (int i = 0; i < left; i++) {
                log.publish(new Event(tenant, "orders.eu", "s-" + i, "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> toA.size() + toB.size() >= left && otherGroup.size() >= taken + left);

            assertThat(takenByA).as("taken on the publishing node, each once").containsExactlyInAnyOrderElementsOf(
                    java.util.stream.IntStream.range(0, taken).mapToObj(i -> "t-" + i).toList());
            assertThat(toA).as("the group's members share the rest").isNotEmpty().noneMatch(id -> id.startsWith("t-"));
            assertThat(toB).isNotEmpty().noneMatch(id -> id.startsWith("t-"));
            assertThat(java.util.stream.Stream.concat(toA.stream(), toB.stream()).toList()).doesNotHaveDuplicates().hasSize(left);
            assertThat(offeredToB).as("an event published elsewhere is not offered to a node's takers").isEmpty();
            assertThat(otherGroup).as("another group hears every event, taken or not").hasSize(taken + left).doesNotHaveDuplicates();

            nodeB.publish(new Event(tenant, "orders.us", "b-0", "/t", "t", Instant.now(), null, null, Map.of(), new byte[0]));
            assertThat(offeredToB).containsExactly("b-0");
            assertThat(takenByA).hasSize(taken);
        } finally {
            log.heardAhead(e -> false);
            a.close();
            b.close();
            c.close();
        }
    }

    @Test
    void theGroupsThatTookAnEventAreToldApartByExactName() {
        assertThat(LocalTakers.takenBy("trg-1 trg-12", "trg-12")).isTrue();
        assertThat(LocalTakers.takenBy("trg-1 trg-12", "trg-1")).isTrue();
        assertThat(LocalTakers.takenBy("trg-12", "trg-1")).isFalse();
        assertThat(LocalTakers.takenBy("trg-1", "trg-12")).isFalse();
        assertThat(LocalTakers.takenBy("xtrg-1", "trg-1")).isFalse();
        assertThat(LocalTakers.takenBy("", "trg-1")).isFalse();
        assertThat(LocalTakers.takenBy(null, "trg-1")).isFalse();
    }

    private static Event event(String tenant, int i) {
        return new Event(tenant, "orders", "o-" + i, "/t", "t", Instant.now(), null, "customer-7", Map.of(), new byte[0]);
    }

    private List<EventLog.Delivery> take(String tenant, String pattern, int n) throws InterruptedException {
        EventLog.Subscription sub = log.subscribe(OneServer.freshName("sub"), tenant, pattern, -1, Instant.EPOCH, Duration.ofSeconds(30), 100);
        try {
            List<EventLog.Delivery> got = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (got.size() < n && System.nanoTime() < deadline) {
                got.addAll(sub.fetch(n - got.size(), Duration.ofSeconds(1)));
            }
            assertThat(got).hasSize(n);
            return got;
        } finally {
            sub.close();
        }
    }
}
