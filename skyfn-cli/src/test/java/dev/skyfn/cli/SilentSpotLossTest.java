package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A spot node lost without notice while it alone served an app, on real node processes: its
 * replacement is a node the cloud gives afterwards, which never heard the lost one, yet it takes
 * over the app's workflow executions — those that ended there are still read, the one cut off
 * mid-step runs to its end — from what the fleet recorded of the loss.
 */
@Tag("slow")
class SilentSpotLossTest {

    private static final String TOPOLOGY = """
            clouds:
              home:
                provider: aws
                region: eu-west-1
                pricing: {model: on-demand, gbSecond: 0.0000100, vcpuSecond: 0.0000150}
                nodes: {home-1: {cpus: 2, memory: 2048}}
              spot:
                provider: aws
                region: eu-west-1
                pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: 2m}
                startup: 2s
                maxNodes: 2
                nodes: {spot-1: {cpus: 2, memory: 2048}}
            users:
              eu: {home: 10, spot: 10}
            latency:
              home: {spot: 2}
            """;
    private static final String MANIFEST = """
            app: jobs
            placement: {replicas: 1, affinity: [{name: spot, clouds: [spot]}]}
            functions:
              hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128, timeout: 60s, concurrency: 10}
            workflows:
              once:
                StartAt: H
                States:
                  H: {Type: Task, Resource: hold, End: true}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, true, java.util.Map.of(), EmulatedFleet.Emulation.REAL_TIME,
                "--no-aot-cache", "--dead-after", "5s", "--release-after", "60s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void theReplacementOfANodeLostSilentlyTakesOverItsExecutions() {
        FleetCalls.deploy(fleet, "home-1", MANIFEST, Fleetwide.class);
        assertThat(inForce()).containsExactly("spot-1");
        List<String> ended = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> res = start("10", false);
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            ended.add(FleetCalls.json(res.body()).get("executionId").asText());
        }
        String cutOff = FleetCalls.json(start("8000", true).body()).get("executionId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> status(cutOff).equals("RUNNING"));

        fleet.kill("spot-1");
        // no notice: the fleet finds the node dead, and the cloud gives a node that never heard of it
        await().atMost(Duration.ofSeconds(90)).until(() -> inForce().equals(List.of("spot-2")));
        for (String id : ended) {
            await("execution " + id + ", ended on the lost node").atMost(Duration.ofSeconds(60)).until(() -> status(id).equals("SUCCEEDED"));
        }
        await("the execution cut off mid-step").atMost(Duration.ofSeconds(60)).until(() -> status(cutOff).equals("SUCCEEDED"));
        HttpResponse<String> res = FleetCalls.send(fleet, "home-1", "GET", "/v1/executions/" + cutOff, null);
        assertThat(FleetCalls.json(res.body()).path("output").asText()).as("it ran on where it was taken over").contains("spot-2");
    }

    private static HttpResponse<String> start(String ms, boolean async) {
        return FleetCalls.send(fleet, "home-1", "POST", "/v1/apps/jobs/workflows/once/executions" + (async ? "?async=true" : ""),
                ms.getBytes());
    }

    /** The execution's status as the gateway reads it, wherever it is held; "" when no node has it. */
    private static String status(String id) {
        HttpResponse<String> res = FleetCalls.send(fleet, "home-1", "GET", "/v1/executions/" + id, null);
        return res.statusCode() == 200 ? FleetCalls.json(res.body()).path("status").asText() : "";
    }

    /** The nodes of the app's replicas in force, as the gateway has them. */
    private static List<String> inForce() {
        return FleetCalls.inForce(fleet, "home-1", "jobs");
    }
}
