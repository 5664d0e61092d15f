package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * SAND's recovery across a fleet: a node running workflows is SIGKILLed, and another node serving
 * the app takes its executions over from the backups in JetStream and runs them to their end. The
 * client talks to a node that does not serve the app at all: its gateway sends every request on.
 */
@Tag("slow")
@Tag("chaos")
class FleetWorkflowTest {

    private static final String TOPOLOGY = """
            clouds:
              a: {provider: aws, region: eu-west-1, trust: trusted, pricing: {model: on-demand}, nodes: {a-1: {}, a-2: {}}}
              b: {provider: gcp, region: eu-west-2, pricing: {model: on-demand}, nodes: {b-1: {}}}
            users:
              eu: {a: 5, b: 5}
            latency:
              a: {b: 4}
            """;
    private static final int STEP_MS = 300;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("one-cloud.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", "1500ms");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void theExecutionsOfAKilledNodeAreTakenOverByAnotherAndAllComplete() {
        var deployed = send("b-1", "POST", "/v1/apps", JarBuilder.app("""
                app: crashy
                functions:
                  step: {handler: dev.skyfn.cli.Slowly}
                  padded: {handler: dev.skyfn.cli.Padded}
                  runs: {handler: dev.skyfn.cli.Slowly$Runs}
                workflows:
                  chain:
                    StartAt: S1
                    States:
                      S1: {Type: Task, Resource: step, Next: S2}
                      S2: {Type: Task, Resource: step, Next: S3}
                      S3: {Type: Task, Resource: step, Next: S4}
                      S4: {Type: Task, Resource: step, Next: S5}
                      S5: {Type: Task, Resource: step, Next: S6}
                      S6: {Type: Task, Resource: step, End: true}
                  large:
                    StartAt: P1
                    States:
                      P1: {Type: Task, Resource: padded, Next: P2}
                      P2: {Type: Task, Resource: padded, Next: P3}
                      P3: {Type: Task, Resource: padded, Next: P4}
                      P4: {Type: Task, Resource: padded, End: true}
                placement: {affinity: [{name: a, clouds: [a]}], replicas: 2, scheduling: duplicated}
                """).classes(Slowly.class, Padded.class).bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);

        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            var res = send("b-1", "POST", "/v1/apps/crashy/workflows/chain/executions?async=true",
                    ("{\"n\": " + i + ", \"ms\": " + STEP_MS + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            expected.put(json(res.body()).get("executionId").asText(), "{\"n\":" + (i + 6) + ",\"ms\":" + STEP_MS + "}");
        }
        String pad = "x".repeat(70_000);
        Map<String, Integer> large = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            var res = send("b-1", "POST", "/v1/apps/crashy/workflows/large/executions?async=true",
                    ("{\"n\": " + i + ", \"ms\": " + STEP_MS + ", \"pad\": \"" + pad + "\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            large.put(json(res.body()).get("executionId").asText(), i + 4);
        }
        String first = large.keySet().iterator().next();
        await().atMost(Duration.ofSeconds(30)).until(() -> settledTasks("b-1", List.of(first)).size() >= 2);
        String owner = ownerOf(first);
        List<String> settledBeforeKill = settledTasks("b-1", List.of(first));
        List<String> orphans = java.util.stream.Stream.concat(expected.keySet().stream(), large.keySet().stream())
                .filter(id -> ownerOf(id).equals(owner)).toList();
        System.err.println("killing " + owner + ", which runs " + orphans.size() + " executions");
        fleet.kill(owner);

        await().atMost(Duration.ofSeconds(60)).until(() -> expected.keySet().stream().allMatch(id -> status("b-1", id).equals("SUCCEEDED")));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(execution("b-1", e.getKey()).get("output").toString()).isEqualTo(e.getValue());
        }
        String heir = owner.equals("a-1") ? "a-2" : "a-1";
        System.err.println("awaiting " + heir + " taking over " + orphans.size() + " executions of " + owner + ", ended or running");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(orphans).allSatisfy(id -> assertThat(ownerOf(id)).isEqualTo(heir)));
        await().atMost(Duration.ofSeconds(60)).until(() -> large.keySet().stream().allMatch(id -> status("b-1", id).equals("SUCCEEDED")));
        large.forEach((id, n) -> assertThat(execution("b-1", id).get("output").get("n").asInt()).isEqualTo(n));
        List<String> tasks = settledTasks("b-1", expected.keySet());
        tasks.addAll(settledTasks("b-1", large.keySet()));
        assertThat(tasks).hasSize(4 * 6 + 2 * 4);
        int again = 0;
        for (String key : tasks) {
            int runs = runs(key);
            assertThat(runs).as("runs of %s: at least once, at most twice", key).isBetween(1, 2);
            again += runs - 1;
        }
        assertThat(again).as("steps run again: those in flight at the kill, not those settled").isLessThanOrEqualTo(orphans.size() + 1);
        for (String key : settledBeforeKill.subList(0, settledBeforeKill.size() - 1)) {
            assertThat(runs(key)).as("runs of %s, whose large value was settled before the kill", key).isEqualTo(1);
        }
    }

    private static HttpResponse<String> send(String node, String method, String path, byte[] body, String... headers) {
        return FleetCalls.send(fleet, node, method, path, body, headers);
    }

    private static JsonNode json(String body) {
        return FleetCalls.json(body);
    }

    /** The node that runs an execution: the one that knows it without asking the others. */
    private static String ownerOf(String id) {
        return fleet.nodes().stream().filter(m -> m.process().isAlive())
                .filter(m -> send(m.node(), "GET", "/v1/executions/" + id, null, "X-Skyfn-Forwarded", "test").statusCode() == 200)
                .map(EmulatedFleet.Member::node).findFirst().orElse("none");
    }

    private static JsonNode execution(String node, String id) {
        var res = send(node, "GET", "/v1/executions/" + id, null);
        return res.statusCode() == 200 ? json(res.body()) : Json.MAPPER.createObjectNode();
    }

    private static String status(String node, String id) {
        return execution(node, id).path("status").asText("");
    }

    /** The idempotency keys of the Task steps recorded as succeeded, over all the executions. */
    private static List<String> settledTasks(String node, Iterable<String> ids) {
        List<String> keys = new ArrayList<>();
        for (String id : ids) {
            for (JsonNode step : execution(node, id).path("steps")) {
                if (step.get("type").asText().equals("Task") && step.get("status").asText().equals("SUCCEEDED")) {
                    keys.add(id + "/" + step.get("key").asText());
                }
            }
        }
        return keys;
    }

    private static int runs(String idempotencyKey) {
        var res = send("b-1", "POST", "/v1/apps/crashy/functions/runs:invoke", idempotencyKey.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return Integer.parseInt(res.body());
    }

}
