package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skyfn migrate APP --to CLOUD} on real node processes of two emulated clouds, under load
 * and with workflow executions running: the app's replicas warm up on the other cloud, routing
 * switches, the old ones are dropped, no call fails, every execution ends as it would have, and
 * the app's local data layer moves with it.
 */
@Tag("slow")
class LiveMigrationTest {

    private static final String TOPOLOGY = """
            clouds:
              old: {provider: aws, region: eu-west-1, pricing: {model: on-demand, gbSecond: 0.0000100}, nodes: {old-1: {}, old-2: {}}}
              new: {provider: gcp, region: eu-west-2, pricing: {model: on-demand, gbSecond: 0.0000200}, nodes: {new-1: {}, new-2: {}}}
            users:
              eu: {old: 5, new: 5}
            latency:
              old: {new: 4}
            """;
    private static final String MANIFEST = """
            app: steady
            placement: {replicas: 2}
            functions:
              hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128, timeout: 60s, concurrency: 10}
              step: {handler: dev.skyfn.cli.Slowly, memory: 128, timeout: 60s, concurrency: 10}
              runs: {handler: dev.skyfn.cli.Slowly$Runs, memory: 128}
              putLocal: {handler: dev.skyfn.cli.Fleetwide$PutLocal, memory: 128}
              getLocal: {handler: dev.skyfn.cli.Fleetwide$GetLocal, memory: 128}
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
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static java.nio.file.Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        fleet = FleetCalls.start(dir, TOPOLOGY, "5s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void anAppMigratedUnderLoadLosesNoCallAndNoExecution() throws Exception {
        FleetCalls.deploy(fleet, "old-1", MANIFEST, Fleetwide.class, Slowly.class);
        assertThat(inForce("old-1")).as("the cheaper cloud first").containsExactlyInAnyOrder("old-1", "old-2");

        // each old node's local layer holds an entry of its own
        for (String node : List.of("old-1", "old-2")) {
            HttpResponse<String> put = FleetCalls.send(fleet, node, "POST", "/v1/apps/steady/functions/putLocal:invoke",
                    ("written-on-" + node + "=yes").getBytes());
            assertThat(put.body()).as("a call to a node serving the app runs there").isEqualTo(node);
        }
        List<String> executions = new ArrayList<>();
        var load = new FleetCalls.Load(fleet, List.of("old-1", "old-2", "new-1", "new-2"), "/v1/apps/steady/functions/hold:invoke",
                "50".getBytes());
        try (load) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.answers.contains("old-1") && load.answers.contains("old-2"));
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> res = FleetCalls.send(fleet, "old-1", "POST", "/v1/apps/steady/workflows/chain/executions?async=true",
                        ("{\"n\": " + i + ", \"ms\": 1500}").getBytes());
                assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
                executions.add(FleetCalls.json(res.body()).get("executionId").asText());
            }
            String url = "http://127.0.0.1:" + fleet.node("new-1").port();
            assertThat(Skyfn.run("migrate", "steady", "--to", "new", "--url", url)).isZero();
            assertThat(inForce("old-2")).containsExactlyInAnyOrder("new-1", "new-2");
            load.answers.clear();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.answers.size() >= 40);
            assertThat(load.answers).as("who answers once the app has moved").allMatch(n -> n.startsWith("new-"));
        }
        assertThat(load.failures).as("calls that failed while the app moved").isEmpty();
        // the old nodes' local entries went to every new node
        for (String node : List.of("new-1", "new-2")) {
            for (String written : List.of("old-1", "old-2")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> FleetCalls.send(fleet, node, "POST",
                        "/v1/apps/steady/functions/getLocal:invoke", ("written-on-" + written).getBytes()).body(),
                        body -> body.equals(node + "=yes"));
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> executions.stream().allMatch(id -> status(id).equals("SUCCEEDED")));
        for (int i = 0; i < executions.size(); i++) {
            String id = executions.get(i);
            JsonNode output = execution(id).path("output");
            assertThat(output.path("n").asInt()).as("execution %s: %s", id, output).isEqualTo(i + 6);
            // each step ran once: those recorded before the handover were not run again, the one under way was stopped
            for (JsonNode step : execution(id).get("steps")) {
                if (step.get("type").asText().equals("Task") && step.get("status").asText().equals("SUCCEEDED")) {
                    assertThat(runs(id + "/" + step.get("key").asText())).as("runs of %s/%s", id, step.get("key").asText()).isEqualTo(1);
                }
            }
        }
        // the node the executions started on handed them to the cloud the app moved to, and says so once each is taken on
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(java.nio.file.Files.readString(fleet.node("old-1").log()))
                .containsPattern("handed the running executions of [^ ]*steady to new-[12]")
                .doesNotContain("taken for dead"));
        JsonNode placement = FleetCalls.json(FleetCalls.send(fleet, "old-1", "GET", "/v1/apps/steady/placement", null).body());
        assertThat(placement.path("pinnedTo").asText()).isEqualTo("new");
        assertThat(placement.path("lastChange").path("why").asText()).startsWith("migrated from");
    }

    @Test
    void aMigrationTheAppsPlacementRulesOutIsRefusedWithItsReason() {
        HttpResponse<String> deployed = FleetCalls.send(fleet, "old-1", "POST", "/v1/apps", JarBuilder.app("""
                app: stays
                placement: {affinity: [{name: own, clouds: [old]}]}
                functions:
                  hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128}
                """).classes(Fleetwide.class).bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        FleetCalls.awaitKnown(fleet, "stays");
        assertError(migrate("stays", "{\"to\": \"new\"}"), 422, "PLACEMENT_UNSATISFIABLE", "allow only [old]");
        assertError(migrate("stays", "{\"to\": \"moon\"}"), 404, "NOT_FOUND", "no cloud moon");
        assertError(migrate("stays", "{}"), 400, "BAD_REQUEST", "which cloud");
        assertError(migrate("nowhere", "{\"to\": \"new\"}"), 404, "APP_NOT_FOUND", "nowhere");
        assertThat(FleetCalls.json(FleetCalls.send(fleet, "old-1", "GET", "/v1/apps/stays/placement", null).body())
                .path("pinnedTo").isNull()).as("a refused migration pins nothing").isTrue();
    }

    private static HttpResponse<String> migrate(String app, String body) {
        return FleetCalls.send(fleet, "new-2", "POST", "/v1/apps/" + app + "/migration", body.getBytes());
    }

    private static void assertError(HttpResponse<String> res, int status, String code, String says) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        JsonNode error = FleetCalls.json(res.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").asText()).contains(says);
    }

    private static JsonNode execution(String id) {
        return FleetCalls.json(FleetCalls.send(fleet, "new-1", "GET", "/v1/executions/" + id, null).body());
    }

    private static int runs(String idempotencyKey) {
        HttpResponse<String> res = FleetCalls.send(fleet, "new-1", "POST", "/v1/apps/steady/functions/runs:invoke",
                idempotencyKey.getBytes());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return Integer.parseInt(res.body());
    }

    private static String status(String id) {
        return execution(id).path("status").asText("");
    }

    /** The nodes of the app's replicas in force, as {@code node} has them. */
    private static List<String> inForce(String node) {
        return FleetCalls.inForce(fleet, node, "steady");
    }
}
