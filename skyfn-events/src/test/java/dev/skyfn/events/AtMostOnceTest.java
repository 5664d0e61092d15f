package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.app.DeployedApp;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic triggers delivered at most once ({@code delivery: at-most-once}) on the embedded event log. */
class AtMostOnceTest {

    private final EmbeddedEventLog log = new EmbeddedEventLog(1 << 20, Clock.systemUTC());
    private final List<Triggers> started = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        started.forEach(Triggers::close);
    }

    private static DeployedApp app(String trigger, int concurrency) {
        String yaml = "app: shop\nfunctions:\n  f:\n    handler: a.B\n    timeout: 5s\n    concurrency: " + concurrency
                + "\n    triggers:\n      - " + trigger + "\n";
        Instant now = Instant.now();
        return new DeployedApp("acme", ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8)), 1, Path.of("x.jar"), "00", 1, now, now);
    }

    /** A node serving {@code app} with {@code node} answering its calls. */
    private Triggers serve(DeployedApp app, TriggersTest.Node node) {
        return serve(app, node, log);
    }

    private Triggers serve(DeployedApp app, TriggersTest.Node node, EventLog log) {
        var catalog = new TriggersTest.Catalog();
        var triggers = new Triggers(log, new FileTickLedger(dir.resolve("ticks-" + started.size() + ".json")), node, catalog, catalog,
                Clock.systemUTC()).start();
        started.add(triggers);
        catalog.deploy(app);
        return triggers;
    }

    private static TriggersTest.Node answering() {
        return new TriggersTest.Node(e -> new Functions.Result(new Payload.Body("text/plain", "seen".getBytes(StandardCharsets.UTF_8)), null,
                null));
    }

    /** A node whose calls each wait for {@code release}, then answer {@code answer}. */
    private static TriggersTest.Node held(CountDownLatch release, Functions.Result answer) {
        return new TriggersTest.Node(e -> {
            try {
                release.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return answer;
        });
    }

    private static void publish(Triggers triggers, String subject, String id) {
        triggers.publish("acme", subject, Optional.of(id), "/me", "order.created", "application/json", null,
                ("{\"id\": \"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> ids(TriggersTest.Node node) {
        return node.calls.stream().map(e -> e.get("id").asText()).toList();
    }

    @Test
    void eachEventRunsOnceOnOneOfTheNodesServingTheAppAsACloudEventAndItsResultIsPublished() throws InterruptedException {
        DeployedApp app = app("{topic: orders.*, delivery: at-most-once, output: seen}", 64);
        EventLog.Subscription out = log.subscribe("out", "acme", "seen", -1, Instant.now(), Duration.ofSeconds(30), 100);
        var a = answering();
        var b = answering();
        var triggers = serve(app, a);
        serve(app, b);
        for (int i = 0; i < 40; i++) {
            publish(triggers, i % 2 == 0 ? "orders.eu" : "orders.us", "o-" + i);
        }
        publish(triggers, "orders.eu", "o-0"); // the same id again: dropped by the log
        publish(triggers, "invoices.eu", "i-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.calls.size() + b.calls.size() >= 40);

        List<String> ran = java.util.stream.Stream.concat(ids(a).stream(), ids(b).stream()).toList();
        assertThat(ran).doesNotHaveDuplicates().hasSize(40).doesNotContain("i-1");
        assertThat(a.calls).as("the nodes share the events").isNotEmpty();
        assertThat(b.calls).isNotEmpty();
        JsonNode ce = java.util.stream.Stream.concat(a.calls.stream(), b.calls.stream()).filter(e -> e.get("id").asText().equals("o-3"))
                .findFirst().orElseThrow();
        assertThat(ce.get("subject").asText()).isEqualTo("orders.us");
        assertThat(ce.get("data").get("id").asText()).isEqualTo("o-3");
        List<EventLog.Delivery> results = new java.util.ArrayList<>();
        while (results.size() < 40) {
            List<EventLog.Delivery> got = out.fetch(40 - results.size(), Duration.ofSeconds(5));
            assertThat(got).as("results published").isNotEmpty();
            results.addAll(got);
        }
        assertThat(results).extracting(d -> new String(d.event().data(), StandardCharsets.UTF_8)).containsOnly("seen");
    }

    @Test
    void aFailedCallIsNotTriedAgainAndItsEventGoesToTheDeadLetterSubjectWithItsError() throws InterruptedException {
        var node = new TriggersTest.Node(e -> new Functions.Result(null, "FUNCTION_ERROR", "no stock"));
        var triggers = serve(app("{topic: orders, delivery: at-most-once, deadLetter: orders-failed}", 64), node);
        EventLog.Subscription dead = log.subscribe("dead", "acme", "orders-failed", -1, Instant.now(), Duration.ofSeconds(30), 10);
        publish(triggers, "orders", "o-1");

        var failed = dead.fetch(1, Duration.ofSeconds(5));
        assertThat(failed).hasSize(1);
        assertThat(failed.getFirst().event().extensions()).containsEntry("errorcode", "FUNCTION_ERROR")
                .containsEntry("errormessage", "no stock").containsEntry("attempts", "1").containsEntry("originalsubject", "orders");
        assertThat(dead.fetch(1, Duration.ofMillis(300))).isEmpty();
        assertThat(node.calls).as("called once").hasSize(1);
    }

    @Test
    void anEventThatFindsEveryCallOfTheTriggerRunningGoesToTheDeadLetterSubjectNotUnseen() throws InterruptedException {
        var release = new CountDownLatch(1);
        var node = held(release, new Functions.Result(Payload.EMPTY, null, null));
        // a concurrency of 1: one call of the trigger at a time on the node
        var triggers = serve(app("{topic: orders, delivery: at-most-once, deadLetter: orders-failed}", 1), node);
        EventLog.Subscription dead = log.subscribe("dead", "acme", "orders-failed", -1, Instant.now(), Duration.ofSeconds(30), 10);
        try {
            publish(triggers, "orders", "o-1");
            await().atMost(Duration.ofSeconds(5)).until(() -> node.calls.size() == 1);
            publish(triggers, "orders", "o-2");

            var overflow = dead.fetch(1, Duration.ofSeconds(5));
            assertThat(overflow).hasSize(1);
            assertThat(overflow.getFirst().event().id()).isEqualTo("dead-letter:acme.shop.f.0:o-2");
            assertThat(overflow.getFirst().event().extensions()).containsEntry("errorcode", "TOO_MANY_REQUESTS");
        } finally {
            release.countDown();
        }
        // once the first call has ended and let its slot go, an event runs again; a probe published at
        // one poll may run before the next poll looks, so more than one may have run by then
        var probes = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            publish(triggers, "orders", "o-3-" + probes.incrementAndGet());
            return node.calls.size() >= 2;
        });
        assertThat(ids(node).getFirst()).isEqualTo("o-1");
        assertThat(ids(node).get(1)).startsWith("o-3-");
    }

    @Test
    void anEventPublishedThroughTheNodeIsTakenThereOnlyWhileNoneOfTheTriggersCallsRuns() throws InterruptedException {
        var offers = new CopyOnWriteArrayList<java.util.function.Predicate<Event>>();
        EventLog offering = new TriggersTest.Around(log) {
            @Override
            public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each,
                                   java.util.function.Predicate<Event> takesHere) {
                offers.add(takesHere);
                return super.listen(group, tenant, pattern, each);
            }
        };
        var release = new CountDownLatch(1);
        var node = held(release, new Functions.Result(Payload.EMPTY, null, null));
        serve(app("{topic: orders, delivery: at-most-once}", 64), node, offering);
        await().atMost(Duration.ofSeconds(5)).until(() -> offers.size() == 1);
        var takes = offers.getFirst();
        try {
            assertThat(takes.test(offered("o-1"))).as("taken while none of the trigger's calls runs").isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> node.calls.size() == 1);
            assertThat(takes.test(offered("o-2"))).as("left to the group while one runs").isFalse();
            assertThat(takes.test(offered("o-3"))).isFalse();
        } finally {
            release.countDown();
        }
        // once the call has ended and let its slot go, the next is taken again
        await().atMost(Duration.ofSeconds(5)).until(() -> takes.test(offered("o-4")));
        await().atMost(Duration.ofSeconds(5)).until(() -> node.calls.size() == 2);
        assertThat(ids(node)).containsExactly("o-1", "o-4");
    }

    /** An event of the app's tenant on {@code orders}, as a node's publisher offers it. */
    private static Event offered(String id) {
        return new Event("acme", "orders", id, "/me", "order.created", Instant.now(), "application/json", null, Map.of(),
                ("{\"id\": \"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aNewVersionListensOnAndARemovedAppHearsNothingMore() {
        var node = answering();
        var catalog = new TriggersTest.Catalog();
        var triggers = new Triggers(log, new FileTickLedger(dir.resolve("ticks.json")), node, catalog, catalog, Clock.systemUTC()).start();
        started.add(triggers);
        DeployedApp first = app("{topic: orders, delivery: at-most-once}", 64);
        catalog.deploy(first);
        publish(triggers, "orders", "o-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> ids(node).contains("o-1"));

        catalog.deploy(new DeployedApp(first.tenant(), first.manifest(), 2, first.jar(), "01", 1, Instant.now(), first.createdAt()));
        publish(triggers, "orders", "o-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> ids(node).contains("o-2"));

        catalog.remove(first);
        publish(triggers, "orders", "o-3");
        assertThat(triggers.list(first)).extracting(Triggers.View::spec)
                .containsExactly("orders, at most once, a failed event to dead-letter.shop.f");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !ids(node).contains("o-3"));
        assertThat(ids(node)).containsExactly("o-1", "o-2");
    }

    @Test
    void deadLetterSubjectsThatFeedEachOtherLetAnEventGoRoundOnlyUntilItsIdIsFullAndThePublisherIsNotHeld() throws InterruptedException {
        var release = new CountDownLatch(1);
        var node = held(release, new Functions.Result(Payload.EMPTY, null, null));
        String yaml = """
                app: shop
                functions:
                  f: {handler: a.B, concurrency: 1, triggers: [{topic: ring.a, delivery: at-most-once, deadLetter: ring.b}]}
                  g: {handler: a.B, concurrency: 1, triggers: [{topic: ring.b, delivery: at-most-once, deadLetter: ring.a}]}
                """;
        Instant now = Instant.now();
        var app = new DeployedApp("acme", ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8)), 1, Path.of("x.jar"), "00", 1, now, now);
        EventLog.Subscription seen = log.subscribe("ring", "acme", "ring.*", -1, Instant.now(), Duration.ofSeconds(30), 1000);
        var triggers = serve(app, node);
        try {
            // both functions busy with their one call
            publish(triggers, "ring.a", "busy-a");
            publish(triggers, "ring.b", "busy-b");
            await().atMost(Duration.ofSeconds(5)).until(() -> node.calls.size() == 2);

            long start = System.nanoTime();
            publish(triggers, "ring.a", "round");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the publication is not held by the ring").isLessThan(Duration.ofSeconds(1));
            List<String> ids = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                seen.fetch(1000, Duration.ofMillis(200)).forEach(d -> {
                    ids.add(d.event().id());
                    d.ack();
                });
                return ids.stream().anyMatch(id -> id.length() > 950) && seen.fetch(1, Duration.ofMillis(300)).isEmpty();
            });
            assertThat(ids).as("each lap is one dead letter more").allMatch(id -> id.length() <= Triggers.MAX_ATTRIBUTE)
                    .hasSizeLessThan(60);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCallThatFailsForWantOfItsRemovedAppDeadLettersNothing() throws InterruptedException {
        var release = new CountDownLatch(1);
        var node = held(release, new Functions.Result(null, "APP_NOT_FOUND", "no app shop"));
        var catalog = new TriggersTest.Catalog();
        var triggers = new Triggers(log, new FileTickLedger(dir.resolve("ticks.json")), node, catalog, catalog, Clock.systemUTC()).start();
        started.add(triggers);
        DeployedApp app = app("{topic: orders, delivery: at-most-once, deadLetter: orders-failed}", 64);
        catalog.deploy(app);
        EventLog.Subscription dead = log.subscribe("dead", "acme", "orders-failed", -1, Instant.now(), Duration.ofSeconds(30), 10);
        publish(triggers, "orders", "o-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> node.calls.size() == 1);
        catalog.remove(app);
        release.countDown();
        assertThat(dead.fetch(1, Duration.ofMillis(500))).isEmpty();
    }
}
