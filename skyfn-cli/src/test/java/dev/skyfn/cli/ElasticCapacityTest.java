package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capacity that comes and goes, on real node processes of emulated clouds: an autoscaled app
 * wants more replicas than the fleet has nodes, so the fleet asks the cloud that starts fastest
 * for nodes, and the cheaper, slower one for as many; the burst is served by the fast nodes, the
 * app moves to the cheap ones once they are up, and every node that serves nothing any more is
 * given back — every step in their lifecycle recorded, with what they cost.
 */
@Tag("slow")
class ElasticCapacityTest {

    /**
     * A cheap cloud of VMs (40 s to start, one node listed) and a dear serverless pool of containers
     * (5 s, none listed, billed only while its nodes have calls in flight).
     */
    private static final String TOPOLOGY = """
            clouds:
              vm:
                provider: aws
                region: eu-west-1
                pricing: {model: on-demand, gbSecond: 0.0000020, vcpuSecond: 0.0000030}
                startup: 40s
                maxNodes: 3
                nodes: {vm-1: {cpus: 2, memory: 2048}}
              box:
                provider: gcp
                region: europe-west1
                pricing: {model: serverless, gbSecond: 0.0000100, vcpuSecond: 0.0000150}
                startup: 5s
                maxNodes: 2
            users:
              eu: {vm: 10, box: 10}
            latency:
              vm: {box: 2}
            """;
    private static final String MANIFEST = """
            app: burst
            scaling: {target: 1, min: 1, max: 3, window: 6s, scaleToZeroAfter: 1s}
            functions:
              hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128, timeout: 120s, concurrency: 10}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, true, java.util.Map.of(),
                new EmulatedFleet.Emulation(0.1, java.util.Optional.empty()), "--no-aot-cache", "--dead-after", "5s", "--release-after", "2s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aBurstIsServedByFastCapacityThenMovesToCheapCapacityAndIdleNodesGoBack() throws InterruptedException, IOException {
        FleetCalls.deploy(fleet, "vm-1", MANIFEST, Fleetwide.class);

        var stop = new AtomicBoolean();
        var failures = new ConcurrentLinkedQueue<String>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    HttpResponse<String> res = FleetCalls.send(fleet, "vm-1", "POST", "/v1/apps/burst/functions/hold:invoke",
                            "1000".getBytes());
                    if (res.statusCode() != 200) {
                        failures.add(res.body());
                    }
                }
            }));
        }
        try {
            // one node cannot hold three replicas: two come from box, which starts fastest, and two from vm, cheaper,
            // for the load that stays; once vm's are up, the app moves there and box's, idle, go back
            await().atMost(Duration.ofSeconds(120)).until(() -> replicas() == 3);
            // node processes start in seconds here, but in a minute on a machine busy with other work
            await().atMost(Duration.ofSeconds(240)).until(() -> inForce().equals(List.of("vm", "vm", "vm")));
            await().atMost(Duration.ofSeconds(60)).until(() -> state("box-1").equals("released") && state("box-2").equals("released"));
            // a call a node runs counts as its busy time, which the fleet keeps in its record (what a serverless pool bills)
            // (the gateway runs it on its own replica once its heartbeat lists the app as served; until then elsewhere)
            await().atMost(Duration.ofSeconds(60)).until(() -> FleetCalls.send(fleet, "vm-2", "POST", "/v1/apps/burst/functions/hold:invoke",
                    "1000".getBytes()).body().equals("vm-2"));
            await().atMost(Duration.ofSeconds(30)).until(() -> busyMs("vm-2") >= 500);
            // booted at the lowest CPU priority, a node that is up runs at the usual one: every thread of it and its sandboxes
            ProcessHandle vm2 = fleet.node("vm-2").process().toHandle();
            await().atMost(Duration.ofSeconds(10)).until(() -> EmulatedFleet.lowPriorityThreads(vm2).isEmpty());
            assertThat(vm2.descendants()).as("vm-2's sandboxes").isNotEmpty();
        } finally {
            stop.set(true);
            for (Thread t : callers) {
                t.join();
            }
        }
        assertThat(failures).as("calls that failed while the fleet grew and the app moved").isEmpty();
        List<JsonNode> grown = FleetCalls.elastic(fleet, "vm-1");
        assertThat(grown).extracting(n -> n.get("node").asText()).containsExactlyInAnyOrder("box-1", "box-2", "vm-2", "vm-3");
        assertThat(grown).allSatisfy(n -> assertThat(n.get("readyAt").isNull()).as("%s joined", n.get("node")).isFalse());
        assertThat(grown).filteredOn(n -> n.get("cloud").asText().equals("vm")).hasSize(2).allSatisfy(n -> {
            assertThat(n.get("billed").asText()).isEqualTo("held");
            assertThat(n.get("costUsd").asDouble()).isPositive();
        });
        // the pool's nodes cost only the time they served calls, not the time they were held: each served nothing for a while
        // before it went back (and one that joined as the app moved to vm may have served nothing at all: it cost nothing)
        assertThat(grown).filteredOn(n -> n.get("cloud").asText().equals("box")).hasSize(2).allSatisfy(n -> {
            long busyMs = n.get("busyMs").asLong();
            long heldMs = java.time.Duration.between(java.time.Instant.parse(n.get("readyAt").asText()),
                    java.time.Instant.parse(n.get("releasedAt").asText())).toMillis();
            assertThat(n.get("billed").asText()).isEqualTo("per-use");
            assertThat(busyMs).as("%s busy", n.get("node")).isLessThan(heldMs);
            assertThat(n.get("costUsd").asDouble()).isCloseTo(busyMs / 3_600_000.0 * n.get("pricePerHour").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-9));
        });
        assertThat(FleetCalls.why(grown, "box-1")).contains("dev/burst lacks").contains("box starts a node in 5 s, the fastest with room in its group")
                .contains("served nothing for");
        assertThat(FleetCalls.why(grown, "vm-2")).contains("the load that stays moves to vm once its nodes are up in 40 s");

        // the load gone, the app is back to one replica, on the listed node, and vm's elastic nodes go back too
        await().atMost(Duration.ofSeconds(60)).until(() -> FleetCalls.elastic(fleet, "vm-1").stream()
                .allMatch(n -> n.get("state").asText().equals("released")));
        assertThat(replicas()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> fleet.nodes().stream().map(EmulatedFleet.Member::node).toList()
                .equals(List.of("vm-1")));
        HttpResponse<String> after = FleetCalls.send(fleet, "vm-1", "POST", "/v1/apps/burst/functions/hold:invoke", "1".getBytes());
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("vm-1");

        // the console's fleet page shows each node asked of a cloud through its lifecycle, with what it cost
        try (Browser browser = new Browser()) {
            browser.open("http://127.0.0.1:" + fleet.node("vm-1").port() + "/console/#/fleet");
            for (String node : List.of("box-1", "box-2", "vm-2", "vm-3")) {
                java.util.Map<String, String> row = browser.await(d -> Browser.row(d, "elastic-table", node));
                assertThat(row).as(node).containsEntry("state", "released").containsEntry("cloud", node.substring(0, node.indexOf('-')))
                        .containsEntry("billed", node.startsWith("box") ? "per-use" : "held");
                assertThat(row.get("requested")).as(node).matches("\\d\\d:\\d\\d:\\d\\d");
                assertThat(row.get("ready")).as(node).matches("\\d\\d:\\d\\d:\\d\\d");
                assertThat(row.get("released")).as(node).matches("\\d\\d:\\d\\d:\\d\\d");
            }
            assertThat(Double.parseDouble(browser.await(d -> Browser.row(d, "elastic-table", "vm-2")).get("cost $"))).isPositive();
            assertThat(browser.await(d -> Browser.row(d, "elastic-table", "box-1")).get("why")).contains("box starts a node in 5 s");
            browser.screenshot(Path.of("target", "console-screenshots", "fleet-elastic.png"));
        }
    }

    /** The clouds of the app's replicas in force, in order. */
    private static List<String> inForce() {
        HttpResponse<String> res = FleetCalls.send(fleet, "vm-1", "GET", "/v1/apps/burst/placement", null);
        List<String> clouds = new ArrayList<>();
        FleetCalls.json(res.body()).get("inForce").forEach(r -> clouds.add(r.get("cloud").asText()));
        return clouds;
    }

    private static String state(String node) {
        return FleetCalls.elastic(fleet, "vm-1").stream().filter(n -> n.get("node").asText().equals(node))
                .map(n -> n.get("state").asText()).findFirst().orElse("");
    }

    private static long busyMs(String node) {
        return FleetCalls.elastic(fleet, "vm-1").stream().filter(n -> n.get("node").asText().equals(node))
                .mapToLong(n -> n.get("busyMs").asLong()).findFirst().orElse(0);
    }

    private static int replicas() {
        HttpResponse<String> res = FleetCalls.send(fleet, "vm-1", "GET", "/v1/apps/burst/scaling", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return FleetCalls.json(res.body()).get("replicas").asInt();
    }
}
