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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scaling.onDemandFloor} on real node processes: an app that prefers spot capacity, with
 * a floor of one replica off it and no on-demand node running, is placed on spot nodes alone;
 * the fleet acquires an on-demand node for the floor, and the app moves one replica there,
 * though it costs more.
 */
@Tag("slow")
class OnDemandFloorTest {

    private static final String TOPOLOGY = """
            clouds:
              gate:
                provider: private
                region: eu-central
                pricing: {model: owned, gbSecond: 0.0000010, vcpuSecond: 0.0000010}
                nodes: {gw-1: {cpus: 2, memory: 2048}}
              spot:
                provider: aws
                region: eu-west-1
                pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: 2m}
                nodes: {spot-1: {cpus: 2, memory: 2048}, spot-2: {cpus: 2, memory: 2048}}
              ondemand:
                provider: aws
                region: eu-west-1
                pricing: {model: on-demand, gbSecond: 0.0000100, vcpuSecond: 0.0000150}
                startup: 2s
                maxNodes: 1
            users:
              eu: {gate: 10, spot: 10, ondemand: 10}
            latency:
              gate: {spot: 2, ondemand: 2}
              spot: {ondemand: 2}
            """;
    private static final String MANIFEST = """
            app: floored
            placement: {replicas: 2, affinity: [{name: cheap, clouds: [spot]}, {name: steady, clouds: [ondemand]}]}
            scaling: {min: 2, max: 2, onDemandFloor: 1}
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
    void anAppBelowItsFloorGetsAnOnDemandNodeAndMovesAReplicaThere() throws IOException {
        FleetCalls.deploy(fleet, "gw-1", MANIFEST, Fleetwide.class);
        // the new replica warms up beside the spot ones, then one of those goes
        await().atMost(Duration.ofSeconds(90)).until(() -> inForce().contains("ondemand-1") && inForce().size() == 2);
        assertThat(inForce()).containsOnlyOnce("ondemand-1").anyMatch(n -> n.startsWith("spot-"));

        List<JsonNode> elastic = FleetCalls.elastic(fleet, "gw-1");
        assertThat(elastic).extracting(n -> n.get("node").asText()).containsExactly("ondemand-1");
        assertThat(FleetCalls.why(elastic, "ondemand-1")).contains("dev/floored's onDemandFloor lacks 1 replica(s)");
        // the deciding node moved it, warm, for the floor (the autoscaler may have written the record last, keeping the floor)
        assertThat(Files.readString(fleet.node("gw-1").log())).contains("dev/floored moves from [spot-1, spot-2]")
                .contains("its onDemandFloor asks for 1 replica(s) off spot clouds; it has 0 there, 1 after the move");
        HttpResponse<String> call = FleetCalls.send(fleet, "gw-1", "POST", "/v1/apps/floored/functions/hold:invoke", "1".getBytes());
        assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
    }

    /** The nodes of the app's replicas in force, as the gateway has them. */
    private static List<String> inForce() {
        return FleetCalls.inForce(fleet, "gw-1", "floored");
    }
}
