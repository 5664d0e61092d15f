package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replacement of a spot node taken back goes to the next spot market, not to the one that
 * just took a node back (SkyPilot's "next region"): on real node processes of two emulated spot
 * clouds, the app's node in the faster market is preempted with notice under load, the fleet
 * acquires its replacement in the slower market while the first cools down — though the first
 * has room and starts faster — the app moves there before the notice runs out, and no call fails.
 */
@Tag("slow")
class SpotReplacementTest {

    private static final String TOPOLOGY = """
            clouds:
              home:
                provider: aws
                region: eu-west-1
                pricing: {model: on-demand, gbSecond: 0.0000100, vcpuSecond: 0.0000150}
                nodes: {home-1: {cpus: 2, memory: 2048}}
              fast:
                provider: aws
                region: eu-west-1
                pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: 2m, coolDown: 10m}
                startup: 2s
                maxNodes: 2
                nodes: {fast-1: {cpus: 2, memory: 2048}}
              slow:
                provider: aws
                region: eu-west-2
                pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: 2m}
                startup: 6s
                maxNodes: 2
            users:
              eu: {home: 10, fast: 10, slow: 10}
            latency:
              home: {fast: 2, slow: 2}
              fast: {slow: 2}
            """;
    private static final String MANIFEST = """
            app: cheap
            placement: {replicas: 1, affinity: [{name: spot, clouds: [fast, slow]}]}
            functions:
              hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128, timeout: 60s, concurrency: 10}
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
    void aPreemptedNodesReplacementComesFromTheNextSpotMarket() throws InterruptedException {
        FleetCalls.deploy(fleet, "home-1", MANIFEST, Fleetwide.class);
        assertThat(inForce()).containsExactly("fast-1");

        var load = new FleetCalls.Load(fleet, java.util.Collections.nCopies(3, "home-1"), "/v1/apps/cheap/functions/hold:invoke",
                "100".getBytes());
        try (load) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.answers.contains("fast-1"));
            String url = "http://127.0.0.1:" + fleet.node("home-1").port();
            assertThat(Skyfn.run("cloud", "preempt", "fast-1", "--in", "30s", "--url", url)).isZero();
            // the replacement comes from the slower market, and the app is there before the notice runs out
            await().atMost(Duration.ofSeconds(30)).until(() -> inForce().equals(List.of("slow-1")));
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.nodes().stream().noneMatch(m -> m.node().equals("fast-1")));
            load.answers.clear();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.answers.size() >= 20);
        }
        assertThat(load.failures).as("calls that failed while the spot node was replaced").isEmpty();
        assertThat(load.answers).containsOnly("slow-1");
        List<JsonNode> elastic = FleetCalls.elastic(fleet, "home-1");
        assertThat(elastic).extracting(n -> n.get("node").asText()).as("no node asked of the market that took one back")
                .containsExactly("slow-1");
        assertThat(FleetCalls.why(elastic, "slow-1"))
                .contains("dev/cheap lacks 1 replica(s); slow starts a node in 6 s, the fastest with room in its group");
        JsonNode placement = FleetCalls.json(FleetCalls.send(fleet, "home-1", "GET", "/v1/apps/cheap/placement", null).body());
        assertThat(placement.path("lastChange").path("why").asText()).contains("taken back by their cloud");
    }

    /** The nodes of the app's replicas in force, as the gateway has them. */
    private static List<String> inForce() {
        return FleetCalls.inForce(fleet, "home-1", "cheap");
    }
}
