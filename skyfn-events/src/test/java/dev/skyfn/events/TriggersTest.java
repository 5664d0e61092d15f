package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The triggers on the embedded event log, with a node that answers calls by a given function. */
class TriggersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EmbeddedEventLog log = new EmbeddedEventLog(1 << 20, Clock.systemUTC());
    private final List<Triggers> started = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;

    /** A node that runs a call by {@code answer}, records every call, and queues each async id once. */
    static final class Node implements Functions {
        final Function<JsonNode, Result> answer;
        final List<JsonNode> calls = new CopyOnWriteArrayList<>();
        final List<String> callIds = new CopyOnWriteArrayList<>();
        final java.util.Set<String> queued = ConcurrentHashMap.newKeySet();
        final List<String> submissions = new CopyOnWriteArrayList<>();
        /** How many calls each callEach made at once. */
        final List<Integer> frames = new CopyOnWriteArrayList<>();

        Node(Function<JsonNode, Result> answer) {
            this.answer = answer;
        }

        @Override
        public Result call(AppKey app, String function, Payload input, String invocationId, Duration timeout, String traceparent) {
            JsonNode event = read(input);
            calls.add(event);
            callIds.add(invocationId);
            return answer.apply(event);
        }

        @Override
        public List<Result> callEach(AppKey app, String function, List<Call> each, Duration timeout) {
            frames.add(each.size());
            return Functions.super.callEach(app, function, each, timeout);
        }

        @Override
        public void submitOnce(AppKey app, String function, Payload input, String invocationId, java.time.Instant tick) {
            submissions.add(invocationId);
            if (queued.add(invocationId)) {
                calls.add(read(input));
            }
        }

        @Override
        public boolean handles(String tenant) {
            return true;
        }
    }

    static JsonNode read(Payload p) {
        try {
            return JSON.readTree(((Payload.Body) p).bytes());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static DeployedApp app(String triggers, Instant deployedAt) {
        return app(triggers, deployedAt, deployedAt);
    }

    /** A version of the app created at {@code createdAt}, deployed at {@code deployedAt}. */
    static DeployedApp app(String triggers, Instant deployedAt, Instant createdAt) {
        String yaml = "app: shop\nfunctions:\n  f:\n    handler: a.B\n    timeout: 5s\n    triggers:\n" + triggers.indent(6);
        return new DeployedApp("acme", ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8)), 1, Path.of("x.jar"), "00", 1, deployedAt,
                createdAt);
    }

    /** A log that does what {@code inner} does, but what a test overrides. */
    static class Around implements EventLog {
        private final EventLog inner;

        Around(EventLog inner) {
            this.inner = inner;
        }

        @Override
        public boolean publish(Event event) {
            return inner.publish(event);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> publishAsync(Event event) {
            return inner.publishAsync(event);
        }

        @Override
        public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait, int max) {
            return inner.subscribe(name, tenant, pattern, partition, since, ackWait, max);
        }

        @Override
        public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each) {
            return inner.listen(group, tenant, pattern, each);
        }

        @Override
        public void forget(String name) {
            inner.forget(name);
        }

        @Override
        public void close() {
        }
    }

    /** An app catalog whose apps the test deploys and removes, telling its listeners as a node's does. */
    static final class Catalog implements AppCatalog {
        private final java.util.Map<AppKey, DeployedApp> apps = new ConcurrentHashMap<>();
        private final List<Listener> listeners = new CopyOnWriteArrayList<>();

        void deploy(DeployedApp app) {
            DeployedApp before = apps.put(app.key(), app);
            listeners.forEach(l -> l.deployed(app, before));
        }

        void remove(DeployedApp app) {
            apps.remove(app.key());
            listeners.forEach(l -> l.removed(app));
        }

        @Override
        public Optional<DeployedApp> find(AppKey key) {
            return Optional.ofNullable(apps.get(key));
        }

        @Override
        public List<DeployedApp> list(String tenant) {
            return List.copyOf(apps.values());
        }

        @Override
        public List<DeployedApp> all() {
            return List.copyOf(apps.values());
        }

        @Override
        public void subscribe(Listener listener) {
            listeners.add(listener);
        }
    }

    private static AppCatalog catalog(DeployedApp app) {
        return new AppCatalog() {
            @Override
            public Optional<DeployedApp> find(AppKey key) {
                return Optional.of(app);
            }

            @Override
            public List<DeployedApp> list(String tenant) {
                return List.of(app);
            }

            @Override
            public List<DeployedApp> all() {
                return List.of(app);
            }

            @Override
            public void subscribe(Listener listener) {
            }
        };
    }

    private Triggers start(DeployedApp app, Functions node, dev.skyfn.core.trigger.TickLedger ledger) {
        var t = new Triggers(log, ledger, node, catalog(app), catalog(app), Clock.systemUTC()).start();
        started.add(t);
        return t;
    }

    @AfterEach
    void stop() {
        started.forEach(Triggers::close);
    }

    @Test
    void aTopicEventReachesTheFunctionAsACloudEvent() {
        var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        var triggers = start(app("- topic: orders.*", Instant.now()), node, new FileTickLedger(dir.resolve("ticks.json")));
        triggers.publish("acme", "orders.eu", Optional.of("o-1"), "/me", "order.created", "application/json", null,
                "{\"total\": 3}".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> node.calls.size() == 1);
        JsonNode ce = node.calls.getFirst();
        assertThat(ce.get("specversion").asText()).isEqualTo("1.0");
        assertThat(ce.get("id").asText()).isEqualTo("o-1");
        assertThat(ce.get("type").asText()).isEqualTo("order.created");
        assertThat(ce.get("subject").asText()).isEqualTo("orders.eu");
        assertThat(ce.get("data").get("total").asInt()).isEqualTo(3);
    }

    @Test
    void aFailingEventIsTriedMaxAttemptsTimesThenGoesToTheDeadLetterSubjectWithItsError() throws InterruptedException {
        var node = new Node(e -> new Functions.Result(null, "FUNCTION_ERROR", "no stock"));
        var triggers = start(app("- {topic: orders, maxAttempts: 3, backoff: 50ms, deadLetter: orders-failed}", Instant.now()), node,
                new FileTickLedger(dir.resolve("ticks.json")));
        EventLog.Subscription dead = log.subscribe("watcher", "acme", "orders-failed", -1, Instant.now(), Duration.ofSeconds(30), 10);
        triggers.publish("acme", "orders", Optional.of("o-1"), "/me", "order.created", "text/plain", null, "x".getBytes(StandardCharsets.UTF_8));
        var failed = dead.fetch(1, Duration.ofSeconds(5));
        assertThat(failed).hasSize(1);
        assertThat(failed.getFirst().event().extensions()).containsEntry("errorcode", "FUNCTION_ERROR")
                .containsEntry("errormessage", "no stock").containsEntry("attempts", "3").containsEntry("originalsubject", "orders");
        assertThat(new String(failed.getFirst().event().data(), StandardCharsets.UTF_8)).isEqualTo("x");
        assertThat(node.calls).hasSize(3);
        assertThat(node.callIds).containsOnly(node.callIds.getFirst());
    }

    @Test
    void aStreamFunctionPublishesOneResultPerEventThoughTheEventIsRedelivered() throws InterruptedException {
        var attempts = new java.util.concurrent.atomic.AtomicInteger();
        // succeeds on the second attempt only: the first attempt's output must not be published
        var node = new Node(e -> attempts.incrementAndGet() < 2 ? new Functions.Result(null, "FUNCTION_ERROR", "once")
                : new Functions.Result(new Payload.Body("application/json", "{\"n\":1}".getBytes(StandardCharsets.UTF_8)), null, null));
        EventLog.Subscription out = log.subscribe("watcher", "acme", "counts", -1, Instant.now(), Duration.ofSeconds(30), 10);
        var triggers = start(app("- {topic: clicks, output: counts, backoff: 20ms}", Instant.now()), node,
                new FileTickLedger(dir.resolve("ticks.json")));
        triggers.publish("acme", "clicks", Optional.of("c-1"), "/me", "click", "text/plain", "k", new byte[]{1});
        var results = out.fetch(1, Duration.ofSeconds(5));
        assertThat(results).hasSize(1);
        assertThat(results.getFirst().event().partitionKey()).isEqualTo("k");
        // the same output published again (as after a crash between publishing and acknowledging) is dropped
        log.publish(results.getFirst().event());
        assertThat(out.fetch(1, Duration.ofMillis(300))).isEmpty();
    }

    @Test
    void anInputWhoseOutputTheLogDidNotKeepIsHandedOutAgainAndItsOutputPublishedOnce() throws InterruptedException {
        var refusals = new java.util.concurrent.atomic.AtomicInteger(2);
        // the log refuses the first two outputs, as JetStream out of reach does
        EventLog refusing = new Around(log) {
            @Override
            public java.util.concurrent.CompletableFuture<Boolean> publishAsync(dev.skyfn.core.trigger.Event event) {
                return event.subject().equals("counts") && refusals.getAndDecrement() > 0
                        ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("out of reach"))
                        : log.publishAsync(event);
            }
        };
        var node = new Node(e -> new Functions.Result(new Payload.Body("application/json", "{\"n\":1}".getBytes(StandardCharsets.UTF_8)), null, null));
        EventLog.Subscription out = log.subscribe("watcher", "acme", "counts", -1, Instant.now(), Duration.ofSeconds(30), 10);
        var app = app("- {topic: clicks, output: counts, backoff: 20ms}", Instant.now());
        var triggers = new Triggers(refusing, new FileTickLedger(dir.resolve("ticks.json")), node, catalog(app), catalog(app), Clock.systemUTC()).start();
        started.add(triggers);
        triggers.publish("acme", "clicks", Optional.of("c-1"), "/me", "click", "text/plain", null, new byte[]{1});

        assertThat(out.fetch(1, Duration.ofSeconds(5))).hasSize(1);
        assertThat(node.calls).hasSize(3);
        assertThat(node.callIds).containsOnly(node.callIds.getFirst());
        assertThat(out.fetch(1, Duration.ofMillis(300))).isEmpty();
    }

    @Test
    void aBacklogReachesTheNodeInCallsOfManyEventsYetEachIsSettledAlone() throws InterruptedException {
        int events = 300;
        // every tenth event fails: it alone is retried, then dead-lettered; the others' outputs are each their own
        var node = new Node(e -> e.get("data").asInt() % 10 == 0 ? new Functions.Result(null, "FUNCTION_ERROR", "tenth")
                : new Functions.Result(new Payload.Body("application/json", Integer.toString(e.get("data").asInt() * 2)
                .getBytes(StandardCharsets.UTF_8)), null, null));
        DeployedApp app = app("- {topic: clicks, output: doubled, maxAttempts: 2, backoff: 20ms, deadLetter: clicks-failed}", Instant.now());
        EventLog.Subscription out = log.subscribe("out", "acme", "doubled", -1, Instant.now(), Duration.ofSeconds(30), events);
        EventLog.Subscription dead = log.subscribe("dead", "acme", "clicks-failed", -1, Instant.now(), Duration.ofSeconds(30), events);
        // published before the trigger starts: a backlog from its first request on
        for (int i = 1; i <= events; i++) {
            log.publish(new dev.skyfn.core.trigger.Event("acme", "clicks", "c-" + i, "/me", "click", Instant.now(), "application/json", null,
                    java.util.Map.of(), Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        }
        start(app, node, new FileTickLedger(dir.resolve("ticks.json")));

        List<Integer> outputs = new java.util.ArrayList<>();
        while (outputs.size() < events - events / 10) {
            var got = out.fetch(events - events / 10 - outputs.size(), Duration.ofSeconds(10));
            assertThat(got).as("outputs so far: %d", outputs.size()).isNotEmpty();
            got.forEach(d -> outputs.add(Integer.parseInt(new String(d.event().data(), StandardCharsets.UTF_8))));
        }
        List<Integer> failed = new java.util.ArrayList<>();
        while (failed.size() < events / 10) {
            var got = dead.fetch(events / 10 - failed.size(), Duration.ofSeconds(10));
            assertThat(got).as("dead letters so far: %d", failed.size()).isNotEmpty();
            got.forEach(d -> failed.add(Integer.parseInt(new String(d.event().data(), StandardCharsets.UTF_8))));
        }
        assertThat(outputs).doesNotHaveDuplicates().allMatch(n -> n % 20 != 0 && n % 2 == 0 && n <= 2 * events);
        assertThat(failed).doesNotHaveDuplicates().allMatch(n -> n % 10 == 0);
        assertThat(node.frames).as("the backlog went to the node many events at a time").anyMatch(n -> n > 1);
        // each that succeeded called once, each that failed twice, under the same invocation id
        assertThat(node.calls).hasSize(events + events / 10);
        assertThat(java.util.Set.copyOf(node.callIds)).hasSize(events);
    }

    @Test
    void aBatchTakesTheEventsPublishedWithinItsWindow() {
        var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        // a window longer than a loaded machine's stall between two publications
        var triggers = start(app("- {topic: clicks, batch: {size: 5, window: 3s}}", Instant.now()), node,
                new FileTickLedger(dir.resolve("ticks.json")));
        for (int i = 0; i < 5; i++) {
            triggers.publish("acme", "clicks", Optional.empty(), "/me", "click", "text/plain", null, new byte[]{(byte) i});
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> node.calls.stream().mapToInt(JsonNode::size).sum() == 5);
        assertThat(node.calls.getFirst().isArray()).isTrue();
        assertThat(node.calls).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void aBatchWindowLongerThanTheAckWaitDoesNotTakeItsOwnEventsAgain() {
        var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        Duration window = TopicRunner.ACK_WAIT.plusSeconds(2);
        var triggers = start(app("- {topic: clicks, batch: {size: 10, window: " + window.toSeconds() + "s}}", Instant.now()), node,
                new FileTickLedger(dir.resolve("ticks.json")));
        for (int i = 0; i < 2; i++) {
            triggers.publish("acme", "clicks", Optional.empty(), "/me", "click", "text/plain", null, new byte[]{(byte) ('a' + i)});
        }
        await().atMost(window.plusSeconds(30)).until(() -> !node.calls.isEmpty());
        JsonNode batch = node.calls.getFirst();
        assertThat(batch.isArray()).isTrue();
        // each event once, on its first attempt: the gathering said they were in progress past the ack wait
        assertThat(batch).hasSize(2);
        assertThat(java.util.stream.StreamSupport.stream(batch.spliterator(), false).map(e -> e.get("id").asText()).distinct()).hasSize(2);
    }

    @Test
    void aCallStillRunningWhenItsTriggerIsReplacedKeepsItsEventFromTheNewOne() throws InterruptedException {
        var release = new java.util.concurrent.CountDownLatch(1);
        var started = new java.util.concurrent.CountDownLatch(1);
        var before = new Node(e -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
            return new Functions.Result(Payload.EMPTY, null, null);
        });
        DeployedApp app = app("- topic: slow", Instant.now());
        var first = start(app, before, new FileTickLedger(dir.resolve("ticks.json")));
        first.publish("acme", "slow", Optional.empty(), "/me", "t", "text/plain", null, new byte[]{1});
        assertThat(started.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // the app redeployed while its call runs: a new runner takes from the same subscription (closing waits for the call)
        Thread.ofVirtual().start(first::close);
        var after = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        start(app, after, new FileTickLedger(dir.resolve("ticks.json")));
        // past the ack wait after the old runner's last word that it was in progress (at most a third of one before
        // it closed), the call still running: its event not handed to the new runner. A sleep: what is asserted is that
        // nothing comes
        Thread.sleep(TopicRunner.ACK_WAIT.plus(TopicRunner.ACK_WAIT.dividedBy(2)).plusSeconds(2).toMillis());
        assertThat(after.calls).isEmpty();
        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> before.calls.size() == 1);
    }

    @Test
    void twoNodesFiringOneScheduleQueueEachTickUnderOneIdAndTheLedgerRecordsIt() {
        var ledger = new FileTickLedger(dir.resolve("ticks.json"));
        var node = new Node(e -> null);
        DeployedApp app = app("- {schedule: rate(1 second), input: {job: compact}}", Instant.now());
        start(app, node, ledger);
        start(app, node, ledger);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.queued.size() >= 3);
        JsonNode tick = node.calls.getFirst();
        assertThat(tick.get("type").asText()).isEqualTo(ScheduleFirer.TYPE);
        assertThat(tick.get("data").get("job").asText()).isEqualTo("compact");
        assertThat(Instant.parse(tick.get("time").asText()).toEpochMilli() % 1000).isZero();
        // every id queued is a distinct tick; a second submission of one is the other node's, and dropped
        assertThat(node.queued).allMatch(id -> id.matches("tick-[0-9a-f]{20}-[0-9]+000"));
        assertThat(ledger.last("acme.shop.f.0." + app.createdAt().toEpochMilli())).isPresent();
    }

    @Test
    void aKeyOrderedPartitionIsLetGoOnlyOnceItsRunningBatchHasEndedAndNoBatchStartsAfterItIsClosed() throws InterruptedException {
        var release = new java.util.concurrent.CountDownLatch(1);
        var running = new java.util.concurrent.CountDownLatch(1);
        var batchEnded = new java.util.concurrent.atomic.AtomicBoolean();
        int partition = new Event("acme", "steps", "e", "/t", "t", Instant.now(), null, "order-7", Map.of(), new byte[0]).partition();
        List<Boolean> endedWhenClosed = new CopyOnWriteArrayList<>();
        EventLog watched = new Around(log) {
            @Override
            public Subscription subscribe(String name, String tenant, String pattern, int p, Instant since, Duration ackWait, int max) {
                Subscription inner = super.subscribe(name, tenant, pattern, p, since, ackWait, max);
                return new Subscription() {
                    @Override
                    public int take(int n, Duration wait, java.util.function.Consumer<EventLog.Delivery> each) throws InterruptedException {
                        return inner.take(n, wait, each);
                    }

                    @Override
                    public void close() {
                        // what lets another node take the partition, in a fleet
                        if (partition == p) {
                            endedWhenClosed.add(batchEnded.get());
                        }
                        inner.close();
                    }
                };
            }
        };
        var node = new Node(e -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            batchEnded.set(true);
            return new Functions.Result(Payload.EMPTY, null, null);
        });
        var catalog = new Catalog();
        DeployedApp app = app("- {topic: steps, ordering: key, batch: {size: 5, window: 50ms}}", Instant.now());
        catalog.deploy(app);
        var triggers = new Triggers(watched, new FileTickLedger(dir.resolve("ticks.json")), node, catalog, catalog, Clock.systemUTC()).start();
        started.add(triggers);
        triggers.publish("acme", "steps", Optional.empty(), "/test", "t", "application/json", "order-7", new byte[] {'1'});
        assertThat(running.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        triggers.publish("acme", "steps", Optional.empty(), "/test", "t", "application/json", "order-7", new byte[] {'2'});
        Thread.ofVirtual().start(triggers::close); // which waits for the call
        // the lane has seen it is closed (it looks every second at most) and still holds its partition
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(endedWhenClosed::isEmpty);
        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> endedWhenClosed.size() == 1);
        assertThat(endedWhenClosed).containsExactly(true);
        assertThat(node.calls).as("no batch started once the trigger was closed").hasSize(1);
    }

    /**
     * A key-ordered batch whose call failed — the function's error, or one of the node's own —
     * runs again after its back-off, well within the ack wait, and before the events of its key
     * published meanwhile, though it left room for them beside it.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aFailedBatchOfAKeyOrderedTriggerRunsAgainBeforeTheEventsPublishedAfterIt(boolean nodesOwnError) throws InterruptedException {
        var failedOnce = new java.util.concurrent.CountDownLatch(1);
        List<Integer> succeeded = new CopyOnWriteArrayList<>();
        var node = new Node(batch -> {
            if (failedOnce.getCount() > 0) {
                failedOnce.countDown();
                if (nodesOwnError) {
                    throw new IllegalStateException("a fault of the node's");
                }
                return new Functions.Result(null, "FUNCTION_ERROR", "not yet");
            }
            batch.forEach(e -> succeeded.add(e.get("data").asInt()));
            return new Functions.Result(Payload.EMPTY, null, null);
        });
        var triggers = start(app("- {topic: steps, ordering: key, batch: {size: 5, window: 50ms}, backoff: 500ms, maxAttempts: 5}",
                Instant.now()), node, new FileTickLedger(dir.resolve("ticks.json")));
        triggers.publish("acme", "steps", Optional.empty(), "/test", "t", "application/json", "order-7", new byte[] {'1'});
        assertThat(failedOnce.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        triggers.publish("acme", "steps", Optional.empty(), "/test", "t", "application/json", "order-7", new byte[] {'2'});
        triggers.publish("acme", "steps", Optional.empty(), "/test", "t", "application/json", "order-7", new byte[] {'3'});

        await().atMost(TopicRunner.ACK_WAIT.minusSeconds(2)).until(() -> succeeded.size() == 3);
        assertThat(succeeded).containsExactly(1, 2, 3);
    }

    /** A batch whose gathering the log breaks off with an error runs with what it gathered, not after the ack wait. */
    @Test
    void aBatchWhoseGatheringFailsRunsWithWhatItHadGathered() {
        var requests = new java.util.concurrent.atomic.AtomicInteger();
        EventLog failing = new Around(log) {
            @Override
            public Subscription subscribe(String name, String tenant, String pattern, int p, Instant since, Duration ackWait, int max) {
                Subscription inner = super.subscribe(name, tenant, pattern, p, since, ackWait, max);
                return new Subscription() {
                    @Override
                    public int take(int n, Duration wait, java.util.function.Consumer<EventLog.Delivery> each) throws InterruptedException {
                        int got = inner.take(n, wait, each);
                        // the request after the batch's first event: JetStream out of reach
                        if (got == 0 && requests.get() == 1) {
                            requests.incrementAndGet();
                            throw new IllegalStateException("out of reach");
                        }
                        requests.addAndGet(got > 0 ? 1 : 0);
                        return got;
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }
        };
        var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        DeployedApp app = app("- {topic: clicks, batch: {size: 5, window: 200ms}}", Instant.now());
        var triggers = new Triggers(failing, new FileTickLedger(dir.resolve("ticks.json")), node, catalog(app), catalog(app), Clock.systemUTC())
                .start();
        started.add(triggers);
        triggers.publish("acme", "clicks", Optional.empty(), "/me", "click", "text/plain", null, new byte[]{1});

        // well within the ack wait, after which the event would come back if the batch were dropped
        await().atMost(TopicRunner.ACK_WAIT.dividedBy(2)).until(() -> !node.calls.isEmpty());
        assertThat(requests.get()).as("the gathering failed").isEqualTo(2);
    }

    /**
     * Triggers closed as their node stops in good order wait for the call running to end and its
     * event to be acknowledged: stopped under it, the event would run again after its ack wait.
     */
    @Test
    void closingWaitsForTheRunningCallToEndAndItsEventToBeAcknowledged() throws InterruptedException {
        var running = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        EventLog watched = new Around(log) {
            @Override
            public Subscription subscribe(String name, String tenant, String pattern, int p, Instant since, Duration ackWait, int max) {
                Subscription inner = super.subscribe(name, tenant, pattern, p, since, ackWait, max);
                return new Subscription() {
                    @Override
                    public int take(int n, Duration wait, java.util.function.Consumer<EventLog.Delivery> each) throws InterruptedException {
                        return inner.take(n, wait, d -> each.accept(new EventLog.Delivery() {
                            @Override
                            public Event event() {
                                return d.event();
                            }

                            @Override
                            public long attempt() {
                                return d.attempt();
                            }

                            @Override
                            public void ack() {
                                d.ack();
                                acknowledged.add(d.event().id());
                            }

                            @Override
                            public void inProgress() {
                                d.inProgress();
                            }

                            @Override
                            public void retryIn(Duration pause) {
                                d.retryIn(pause);
                            }
                        }));
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }
        };
        var node = new Node(e -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return new Functions.Result(Payload.EMPTY, null, null);
        });
        DeployedApp app = app("- {topic: clicks}", Instant.now());
        var triggers = new Triggers(watched, new FileTickLedger(dir.resolve("ticks.json")), node, catalog(app), catalog(app), Clock.systemUTC())
                .start();
        started.add(triggers);
        triggers.publish("acme", "clicks", Optional.of("c-1"), "/me", "click", "text/plain", null, new byte[]{1});
        assertThat(running.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        Thread closing = Thread.ofVirtual().start(triggers::close);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(closing::isAlive);
        release.countDown();
        assertThat(closing.join(Duration.ofSeconds(20))).as("closed once the call ended").isTrue();
        assertThat(acknowledged).containsExactly("c-1");
    }

    @Test
    void anAppRemovedAndCreatedAgainTakesUpNeitherTheEventsNorTheTicksOfTheOneBefore() {
        var ledger = new FileTickLedger(dir.resolve("ticks.json"));
        var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        var catalog = new Catalog();
        started.add(new Triggers(log, ledger, node, catalog, catalog, Clock.systemUTC()).start());
        var triggers = started.getLast();
        String declared = "- topic: orders\n- {schedule: rate(1 second)}";
        DeployedApp before = app(declared, Instant.now());
        String tickOfBefore = TriggerNames.durable(before, before.function("f").orElseThrow(), before.function("f").orElseThrow().triggers().get(1));
        catalog.deploy(before);
        triggers.publish("acme", "orders", Optional.of("o-1"), "/me", "order", null, null, new byte[0]);
        await().atMost(Duration.ofSeconds(5)).until(() -> eventIds(node).contains("o-1") && ledger.last(tickOfBefore).isPresent());

        catalog.remove(before);
        assertThat(ledger.last(tickOfBefore)).as("the removed app's last tick").isEmpty();
        triggers.publish("acme", "orders", Optional.of("o-2"), "/me", "order", null, null, new byte[0]);
        Instant published = Instant.now();
        await().until(() -> Instant.now().isAfter(published));

        DeployedApp again = app(declared, Instant.now());
        catalog.deploy(again);
        String tickOfAgain = TriggerNames.durable(again, again.function("f").orElseThrow(), again.function("f").orElseThrow().triggers().get(1));
        assertThat(tickOfAgain).isNotEqualTo(tickOfBefore);
        triggers.publish("acme", "orders", Optional.of("o-3"), "/me", "order", null, null, new byte[0]);
        await().atMost(Duration.ofSeconds(5)).until(() -> eventIds(node).contains("o-3"));
        assertThat(eventIds(node)).as("an event published while no app of the name was there").doesNotContain("o-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.last(tickOfAgain).isPresent());
        assertThat(ledger.last(tickOfAgain).orElseThrow()).as("its first tick, after its own creation").isAfter(again.createdAt());
    }

    @Test
    void eventsTheLastRequestBringsRunWhenTheAppMovedToOtherNodesAndNotWhenItWasRemoved() throws InterruptedException {
        for (boolean removed : new boolean[]{false, true}) {
            var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
            var inTake = new java.util.concurrent.Semaphore(0);
            var go = new java.util.concurrent.Semaphore(0);
            var taken = new java.util.concurrent.Semaphore(0);
            // each request to the log waits for the test: the request open as the trigger stops is the one the event comes to
            EventLog held = new Around(log) {
                @Override
                public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait,
                                              int max) {
                    Subscription inner = log.subscribe(name, tenant, pattern, partition, since, ackWait, max);
                    return new Subscription() {
                        @Override
                        public int take(int most, Duration wait, java.util.function.Consumer<Delivery> each) throws InterruptedException {
                            inTake.release();
                            go.acquire();
                            try {
                                return inner.take(most, wait, each);
                            } finally {
                                taken.release();
                            }
                        }

                        @Override
                        public void close() {
                            inner.close();
                        }
                    };
                }
            };
            var fleet = new Catalog();
            var here = new Catalog();
            started.add(new Triggers(held, new FileTickLedger(dir.resolve("ticks-" + removed + ".json")), node, fleet, here,
                    Clock.systemUTC()).start());
            String subject = removed ? "removed" : "moved";
            DeployedApp app = app("- topic: " + subject, Instant.now());
            fleet.deploy(app);
            here.deploy(app);
            assertThat(inTake.tryAcquire(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            if (removed) {
                fleet.remove(app);
            }
            here.remove(app);
            started.getLast().publish("acme", subject, Optional.of("e-" + subject), "/me", "t", null, null, new byte[0]);
            go.release(100);
            if (removed) {
                assertThat(taken.tryAcquire(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> node.calls.isEmpty());
            } else {
                await().atMost(Duration.ofSeconds(5)).until(() -> eventIds(node).contains("e-moved"));
            }
        }
    }

    @Test
    void aTriggerANewVersionDropsAndALaterOneDeclaresAgainTakesNoneOfWhatWasPublishedMeanwhile() {
        var node = new Node(e -> new Functions.Result(Payload.EMPTY, null, null));
        var catalog = new Catalog();
        started.add(new Triggers(log, new FileTickLedger(dir.resolve("ticks.json")), node, catalog, catalog, Clock.systemUTC()).start());
        var triggers = started.getLast();
        Instant created = Instant.now();
        catalog.deploy(app("- topic: restock", created, created));
        triggers.publish("acme", "restock", Optional.of("r-1"), "/me", "t", null, null, new byte[0]);
        await().atMost(Duration.ofSeconds(5)).until(() -> eventIds(node).contains("r-1"));

        catalog.deploy(app("[]", Instant.now(), created));
        triggers.publish("acme", "restock", Optional.of("r-2"), "/me", "t", null, null, new byte[0]);
        Instant published = Instant.now();
        await().until(() -> Instant.now().isAfter(published));
        catalog.deploy(app("- {schedule: rate(1 hour)}\n- topic: restock", Instant.now(), created));
        triggers.publish("acme", "restock", Optional.of("r-3"), "/me", "t", null, null, new byte[0]);
        await().atMost(Duration.ofSeconds(5)).until(() -> eventIds(node).contains("r-3"));
        assertThat(eventIds(node)).as("published while no version declared the trigger").doesNotContain("r-2");
    }

    @Test
    void aSubscriptionIsNamedByWhatItTakesNotByItsPlaceAmongTheFunctionsTriggers() {
        Instant created = Instant.ofEpochMilli(1_700_000_000_000L);
        DeployedApp v1 = app("- topic: orders\n- {state: carts/}", created, created);
        DeployedApp v2 = app("- {schedule: rate(1 hour)}\n- topic: other\n- {state: carts/}\n- topic: orders\n- topic: orders",
                created.plusSeconds(60), created);
        FunctionSpec f1 = v1.function("f").orElseThrow();
        FunctionSpec f2 = v2.function("f").orElseThrow();
        String orders = TriggerNames.subscription(v1, f1, f1.triggers().get(0));
        String carts = TriggerNames.subscription(v1, f1, f1.triggers().get(1));
        assertThat(TriggerNames.subscription(v2, f2, f2.triggers().get(3))).isEqualTo(orders);
        assertThat(TriggerNames.subscription(v2, f2, f2.triggers().get(2))).isEqualTo(carts);
        assertThat(TriggerNames.subscription(v2, f2, f2.triggers().get(4))).as("a second identical trigger").isNotEqualTo(orders);
        DeployedApp ordered = app("- {topic: orders, ordering: key}", created, created);
        FunctionSpec fo = ordered.function("f").orElseThrow();
        assertThat(TriggerNames.subscriptions(ordered, fo, fo.triggers().getFirst())).hasSize(Event.PARTITIONS)
                .doesNotContain(orders).allMatch(n -> n.startsWith(TriggerNames.subscription(ordered, fo, fo.triggers().getFirst()) + "-"));
        DeployedApp again = app("- topic: orders", created.plusSeconds(600), created.plusSeconds(600));
        FunctionSpec fa = again.function("f").orElseThrow();
        assertThat(TriggerNames.subscription(again, fa, fa.triggers().getFirst())).as("the app created again").isNotEqualTo(orders);
    }

    private static List<String> eventIds(Node node) {
        return node.calls.stream().filter(e -> !e.get("type").asText().equals(ScheduleFirer.TYPE)).map(e -> e.get("id").asText()).toList();
    }

    @Test
    void theNameOfATriggersStateHoldsItsAppsCreationWhenKnown() {
        DeployedApp created = app("- topic: orders", Instant.ofEpochMilli(1_700_000_000_123L));
        FunctionSpec f = created.function("f").orElseThrow();
        assertThat(TriggerNames.durable(created, f, f.triggers().getFirst())).isEqualTo("acme.shop.f.0.1700000000123");
        assertThat(TriggerNames.id(created, f, f.triggers().getFirst())).as("as people read it").isEqualTo("acme.shop.f.0");
        DeployedApp older = new DeployedApp("acme", created.manifest(), 4, Path.of("x.jar"), "00", 1, created.deployedAt(), null);
        assertThat(TriggerNames.durable(older, f, f.triggers().getFirst())).as("an app created before creation was recorded")
                .isEqualTo("acme.shop.f.0");
    }

    @Test
    void anEventWithABadSubjectOrAttributeIsRefused() {
        var triggers = start(app("- topic: orders", Instant.now()), new Node(e -> null), new FileTickLedger(dir.resolve("ticks.json")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> triggers.publish("acme", "orders eu", Optional.empty(), "/me", "t", null,
                null, new byte[0])).hasMessageContaining("'orders eu' is not a subject");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> triggers.publish("acme", "orders", Optional.of("a\nb"), "/me", "t", null,
                null, new byte[0])).hasMessageContaining("the event's id is 1 to 1024 characters with no control characters");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> triggers.publish("acme", "orders", Optional.empty(), "/me", "",
                null, null, new byte[0])).hasMessageContaining("the event's type");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> triggers.publish("acme", "orders", Optional.empty(), "my shop", "t",
                null, null, new byte[0])).hasMessageContaining("the event's source is not a URI-reference");
    }
}
