package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every accepted execution completes, once, whatever its app's replica count: the executions of a
 * one-replica app are taken over by the node the app is placed on next; a node paused past its
 * dead-after time and resumed is fenced off and commits nothing for the executions taken from it.
 * Clients talk to b-1, which does not serve the apps.
 */
@Tag("slow")
@Tag("chaos")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExecutionOwnershipTest {

    private static final int STEPS = 8;
    private static final int STEP_MS = 500;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        fleet = FleetCalls.start(dir, FleetCalls.TWO_CLOUDS, "3s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.nodes().stream().filter(m -> m.process().isAlive()).forEach(m -> fleet.thaw(m.node()));
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void aPausedNodeThatResumesCommitsNothingForTheExecutionsTakenFromIt() throws IOException {
        Map<String, Integer> executions = startExecutions(deploy("paused"), 4);
        String owner = awaitRunningOn(executions);
        String heir = owner.equals("a-1") ? "a-2" : "a-1";

        long frozen = System.nanoTime();
        fleet.freeze(owner);
        System.err.println("froze " + owner + "; awaiting " + heir + " taking over " + executions.size() + " executions");
        await().atMost(Duration.ofSeconds(60)).until(() -> executions.keySet().stream().allMatch(id -> holds(heir, id)));
        long takenOver = System.nanoTime();
        fleet.thaw(owner);

        awaitSucceeded(executions);
        System.err.printf("paused %s: %d executions taken over %d ms after the pause (dead-after 3 s), all ended %d ms after it%n",
                owner, executions.size(), (takenOver - frozen) / 1_000_000, (System.nanoTime() - frozen) / 1_000_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> executions.keySet().stream().noneMatch(id -> holds(owner, id)));
        for (String id : executions.keySet()) {
            assertThat(holders(id)).as("nodes holding %s", id).containsExactly(heir);
            for (String gateway : List.of("a-1", "a-2", "b-1")) {
                assertThat(execution(gateway, id).path("status").asText()).as("%s asked at %s", id, gateway).isEqualTo("SUCCEEDED");
            }
        }
        assertThat(Files.readString(fleet.node(owner).log())).contains("was taken over by another node");
    }

    @Test
    @Order(2)
    void theExecutionsOfAOneReplicaAppCompleteWhenItsNodeIsKilled() {
        Map<String, Integer> executions = startExecutions(deploy("solo"), 6);
        String owner = awaitRunningOn(executions);

        long killed = System.nanoTime();
        fleet.kill(owner);
        System.err.println("killed " + owner + ", which ran " + executions.size() + " executions of a one-replica app");

        awaitSucceeded(executions);
        System.err.printf("killed %s: its %d executions of a one-replica app all ended %d ms after the kill%n", owner, executions.size(),
                (System.nanoTime() - killed) / 1_000_000);
        String heir = owner.equals("a-1") ? "a-2" : "a-1";
        for (String id : executions.keySet()) {
            assertThat(holders(id)).as("nodes holding %s", id).containsExactly(heir);
        }
    }

    private static String deploy(String app) {
        StringBuilder states = new StringBuilder();
        for (int i = 1; i <= STEPS; i++) {
            states.append("      S").append(i).append(": {Type: Task, Resource: step, ").append(i == STEPS ? "End: true" : "Next: S" + (i + 1))
                    .append("}\n");
        }
        var deployed = FleetCalls.send(fleet, "b-1", "POST", "/v1/apps", JarBuilder.app("app: " + app + "\n"
                + "functions: {step: {handler: dev.skyfn.cli.Slowly}}\n"
                + "placement: {affinity: [{name: a, clouds: [a]}], replicas: 1}\n"
                + "workflows:\n  chain:\n    StartAt: S1\n    States:\n" + states).classes(Slowly.class).bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        return app;
    }

    /** Starts {@code count} executions; returns their ids, each with the output's expected n. */
    private static Map<String, Integer> startExecutions(String app, int count) {
        Map<String, Integer> started = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            var res = FleetCalls.send(fleet, "b-1", "POST", "/v1/apps/" + app + "/workflows/chain/executions?async=true",
                    ("{\"n\": " + i + ", \"ms\": " + STEP_MS + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
            started.put(FleetCalls.json(res.body()).get("executionId").asText(), i + STEPS);
        }
        return started;
    }

    /** Waits until the last execution has settled a step but not ended; returns the node that runs them. */
    private static String awaitRunningOn(Map<String, Integer> executions) {
        String last = List.copyOf(executions.keySet()).getLast();
        await().atMost(Duration.ofSeconds(60)).until(() -> execution("b-1", last).path("steps").size() >= 1);
        List<String> holders = holders(last);
        assertThat(holders).hasSize(1);
        assertThat(execution("b-1", last).path("status").asText()).as("still running when its node goes").isEqualTo("RUNNING");
        return holders.getFirst();
    }

    private static void awaitSucceeded(Map<String, Integer> executions) {
        await().atMost(Duration.ofSeconds(120)).until(() -> executions.keySet().stream()
                .allMatch(id -> execution("b-1", id).path("status").asText().equals("SUCCEEDED")));
        executions.forEach((id, n) -> assertThat(execution("b-1", id).get("output").get("n").asInt()).as(id).isEqualTo(n));
    }

    /** The live nodes that hold an execution themselves (asked not to ask the others). */
    private static List<String> holders(String id) {
        return fleet.nodes().stream().filter(m -> m.process().isAlive()).map(EmulatedFleet.Member::node).filter(n -> holds(n, id)).toList();
    }

    private static boolean holds(String node, String id) {
        return FleetCalls.send(fleet, node, "GET", "/v1/executions/" + id, null, "X-Skyfn-Forwarded", "test").statusCode() == 200;
    }

    private static JsonNode execution(String node, String id) {
        HttpResponse<String> res = FleetCalls.send(fleet, node, "GET", "/v1/executions/" + id, null);
        return res.statusCode() == 200 ? FleetCalls.json(res.body()) : FleetCalls.json("{}");
    }
}
