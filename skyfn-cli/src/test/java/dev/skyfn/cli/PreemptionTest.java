package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spot node taken back with a notice, under load, on real node processes of an emulated cloud:
 * the node hears its notice, the gateways stop sending it calls another node can run, its app
 * warms up on another node before it leaves the placement, and when the cloud kills the node at
 * the end of the notice no call has failed.
 */
@Tag("slow")
class PreemptionTest {

    private static final String TOPOLOGY = """
            clouds:
              spot:
                provider: aws
                region: eu-west-1
                pricing: {model: spot, gbSecond: 0.0000050, vcpuSecond: 0.0000060, preemptionNotice: 2m}
                nodes:
                  spot-1: {cpus: 2, memory: 2048}
                  spot-2: {cpus: 2, memory: 2048}
                  spot-3: {cpus: 2, memory: 2048}
            users:
              eu: {spot: 10}
            latency: {}
            """;
    private static final String MANIFEST = """
            app: steady
            placement: {replicas: 2}
            functions:
              hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128, timeout: 60s, concurrency: 10}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", "5s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aNodeTakenBackWithNoticeLosesNoCallAndItsAppMovesBeforeItGoes() throws InterruptedException {
        FleetCalls.deploy(fleet, "spot-1", MANIFEST, Fleetwide.class);
        List<String> placed = inForce("spot-1");
        assertThat(placed).hasSize(2);
        String preempted = placed.getFirst();
        // the calls come in through the node that holds no replica: it stays, and every call it takes runs elsewhere
        String gateway = List.of("spot-1", "spot-2", "spot-3").stream().filter(n -> !placed.contains(n)).findFirst().orElseThrow();

        var load = new FleetCalls.Load(fleet, java.util.Collections.nCopies(4, gateway), "/v1/apps/steady/functions/hold:invoke",
                "100".getBytes());
        try (load) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.answers.contains(preempted));
            String url = "http://127.0.0.1:" + fleet.node(gateway).port();
            assertThat(Skyfn.run("cloud", "preempt", preempted, "--in", "15s", "--url", url)).isZero();
            // before the notice runs out, the app has left the node for the one that had none, warm
            await().atMost(Duration.ofSeconds(15)).until(() -> !inForce(gateway).contains(preempted));
            assertThat(Set.copyOf(inForce(gateway))).containsExactlyInAnyOrderElementsOf(
                    List.of("spot-1", "spot-2", "spot-3").stream().filter(n -> !n.equals(preempted)).toList());
            // the cloud takes the machine back when the notice runs out
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.nodes().stream().noneMatch(m -> m.node().equals(preempted)));
            load.answers.clear();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.answers.size() >= 20);
        }
        assertThat(load.failures).as("calls that failed while a node was taken back").isEmpty();
        assertThat(load.answers).doesNotContain(preempted);
        JsonNode placement = FleetCalls.json(FleetCalls.send(fleet, gateway, "GET", "/v1/apps/steady/placement", null).body());
        assertThat(placement.path("lastChange").path("why").asText()).contains("taken back by their cloud");
    }

    @Test
    void aNodeNotRunningOrUnknownCannotBePreempted() {
        HttpResponse<String> unknown = FleetCalls.send(fleet, "spot-3", "POST", "/v1/nodes/spot-9/preemption",
                "{\"notice\": \"30s\"}".getBytes());
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(FleetCalls.json(unknown.body()).path("error").path("code").asText()).isEqualTo("NOT_FOUND");
        HttpResponse<String> noNotice = FleetCalls.send(fleet, "spot-3", "POST", "/v1/nodes/spot-3/preemption", "{}".getBytes());
        assertThat(noNotice.statusCode()).as(noNotice.body()).isEqualTo(400);
        HttpResponse<String> badNotice = FleetCalls.send(fleet, "spot-3", "POST", "/v1/nodes/spot-3/preemption",
                "{\"notice\": \"soon\"}".getBytes());
        assertThat(badNotice.statusCode()).as(badNotice.body()).isEqualTo(400);
        assertThat(badNotice.body()).contains("not a duration");
    }

    /** The nodes of the app's replicas in force, as {@code node} has them. */
    private static List<String> inForce(String node) {
        return FleetCalls.inForce(fleet, node, "steady");
    }
}
