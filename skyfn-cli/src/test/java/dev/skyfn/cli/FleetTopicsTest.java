package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic's events across a fleet of three nodes on real NATS servers, a node taking them
 * SIGKILLed: every event runs, a stream function's outputs are published once each, and an event
 * that keeps failing reaches the dead-letter subject; an app removed and deployed again starts afresh;
 * an event delivered at most once runs once, on the node it was published through when that node serves it.
 */
@Tag("slow")
@Tag("chaos")
class FleetTopicsTest {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        fleet = FleetCalls.start(dir, FleetCalls.TWO_CLOUDS, "2s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static String read(String app, String what) {
        return FleetCalls.tally(fleet, app, what);
    }

    private static List<String> keys(String app) {
        return FleetCalls.tallied(fleet, app);
    }

    @Test
    void aTopicsEventsAllRunAndTheirOutputsArePublishedOnceWhileANodeTakingThemIsKilled() {
        FleetCalls.deploy(fleet, "b-1", """
                app: sink
                functions:
                  take:
                    handler: dev.skyfn.cli.EventTally
                    memory: 128
                    triggers: [{topic: results}, {topic: orders-dead}]
                  read: {handler: dev.skyfn.cli.EventTally$Read, memory: 128}
                placement: {affinity: [{name: b, clouds: [b]}]}
                """, EventTally.class);
        FleetCalls.deploy(fleet, "b-1", """
                app: stream
                functions:
                  work:
                    handler: dev.skyfn.cli.EventTally
                    memory: 128
                    triggers: [{topic: orders, output: results, maxAttempts: 2, backoff: 100ms, deadLetter: orders-dead}]
                  read: {handler: dev.skyfn.cli.EventTally$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}], replicas: 2, scheduling: duplicated}
                """, EventTally.class);
        List<String> ids = new ArrayList<>();
        String victim = null;
        for (int i = 0; i < 60; i++) {
            ids.add(publish("orders", "{\"sleep\": 50}"));
            if (i == 20) {
                await().atMost(Duration.ofSeconds(60)).until(() -> !keys("stream").isEmpty());
                victim = FleetCalls.inForce(fleet, "b-1", "stream").getFirst();
                fleet.kill(victim);
            }
        }
        // the poison is to be run and fail twice: sent once the fleet knows the node is gone, no try of it is a call lost with that node
        String gone = victim;
        await().atMost(Duration.ofSeconds(30)).until(() -> !alive(gone));
        String poison = publish("orders", "\"poison\"");
        await().atMost(Duration.ofSeconds(120)).until(() -> keys("stream").containsAll(ids));
        // the sink sees one output per input, each once: an input run again publishes no second output
        await().atMost(Duration.ofSeconds(60)).until(() -> keys("sink").stream().filter(k -> k.startsWith("out:")).count() == ids.size()
                && keys("sink").stream().anyMatch(k -> k.startsWith("dead-letter:")));
        List<String> outputs = keys("sink").stream().filter(k -> k.startsWith("out:")).toList();
        assertThat(outputs).doesNotHaveDuplicates();
        for (String out : outputs) {
            assertThat(read("sink", out).split(" ")).as("deliveries of %s", out).hasSize(1);
        }
        assertThat(keys("sink")).contains("dead-letter:dev.stream.work.0:" + poison);
        assertThat(read("stream", poison).split(" ")).as("attempts of the poisoned event").hasSize(2);
    }

    @Test
    void anAppRemovedAndDeployedAgainTakesNoneOfTheEventsPublishedWhileItWasGone() {
        String manifest = """
                app: restock
                functions:
                  take:
                    handler: dev.skyfn.cli.EventTally
                    memory: 128
                    triggers: [{topic: restock}]
                  read: {handler: dev.skyfn.cli.EventTally$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}]}
                """;
        FleetCalls.deploy(fleet, "b-1", manifest, EventTally.class);
        String before = publish("restock", "{}");
        await().atMost(Duration.ofSeconds(60)).until(() -> keys("restock").contains(before));
        HttpResponse<String> removed = FleetCalls.send(fleet, "b-1", "DELETE", "/v1/apps/restock", null);
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
        FleetCalls.awaitGone(fleet, "restock");
        String whileGone = publish("restock", "{}");

        FleetCalls.deploy(fleet, "b-1", manifest, EventTally.class);
        String after = publish("restock", "{}");
        await().atMost(Duration.ofSeconds(60)).until(() -> keys("restock").contains(after));
        // long enough for an event a node had been handed as it let go of the app to be handed out again (the ack wait: 10 s)
        await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !keys("restock").contains(whileGone));
    }

    @Test
    void anEventDeliveredAtMostOnceRunsOnceOnOneOfTheNodesServingTheApp() {
        FleetCalls.deploy(fleet, "b-1", """
                app: live
                functions:
                  take:
                    handler: dev.skyfn.cli.EventTally
                    memory: 128
                    triggers: [{topic: pings, delivery: at-most-once}]
                  read: {handler: dev.skyfn.cli.EventTally$Read, memory: 128}
                placement: {affinity: [{name: a, clouds: [a]}], replicas: 2, scheduling: duplicated}
                """, EventTally.class);
        List<String> replicas = FleetCalls.inForce(fleet, "b-1", "live");
        assertThat(replicas).hasSize(2);
        // an event published before a node listens is not run there (nor kept for it): published until both nodes have run some
        List<String> ids = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            ids.add(publish("pings", "{}"));
            return ranOn(keys("live")).containsAll(replicas);
        });
        List<String> more = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            more.add(publish("pings", "{}"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> keys("live").containsAll(more));
        for (String id : keys("live")) {
            assertThat(read("live", id).split(" ")).as("runs of %s", id).hasSize(1);
        }
        assertThat(ids).containsAll(keys("live").stream().filter(k -> !more.contains(k)).toList());

        // published through a node serving the trigger, one at a time: taken there, and run there alone
        String here = replicas.getFirst();
        List<String> local = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = publish(here, "pings", "{}");
            local.add(id);
            await().atMost(Duration.ofSeconds(30)).until(() -> keys("live").contains(id));
        }
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> keys("live").containsAll(local));
        for (String id : local) {
            assertThat(read("live", id).split(" ")).as("runs of %s", id).hasSize(1);
        }
        // a call's slot is let go a moment after its function returned: the event after may find it still held
        assertThat(local.stream().filter(id -> read("live", id).equals(here)).count()).as("run on " + here).isGreaterThanOrEqualTo(8);
    }

    /** The nodes that ran the events {@code keys}. */
    private static java.util.Set<String> ranOn(List<String> keys) {
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (String k : keys) {
            nodes.addAll(Arrays.asList(read("live", k).split(" ")));
        }
        return nodes;
    }

    /** Whether node {@code name} is alive as b-1 sees the fleet. */
    private static boolean alive(String name) {
        for (var n : FleetCalls.json(FleetCalls.send(fleet, "b-1", "GET", "/v1/nodes", null).body()).get("nodes")) {
            if (n.get("name").asText().equals(name)) {
                return n.get("alive").asBoolean();
            }
        }
        return false;
    }

    private static String publish(String subject, String body) {
        return publish("b-1", subject, body);
    }

    private static String publish(String node, String subject, String body) {
        HttpResponse<String> res = FleetCalls.send(fleet, node, "POST", "/v1/topics/" + subject, body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        return FleetCalls.json(res.body()).get("id").asText();
    }
}
