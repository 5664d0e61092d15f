package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bills across a fleet of three nodes on real NATS servers: every node's usage ledger is copied to
 * JetStream, so any gateway bills every node's calls, and proves them against each node's own
 * signed heads — a node killed with SIGKILL included.
 */
@Tag("slow")
@Tag("chaos")
class FleetBillsTest {

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

    @Test
    void anyGatewayBillsAndProvesEveryNodesCallsAKilledOnesToo() {
        FleetCalls.deploy(fleet, "b-1", """
                app: metered
                functions:
                  echo: {handler: dev.skyfn.cli.Echo, memory: 128}
                placement: {replicas: 3, scheduling: duplicated}
                """, Echo.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> FleetCalls.inForce(fleet, "b-1", "metered").size() == 3);
        Map<String, Integer> ranOn = new HashMap<>();
        for (String gateway : new String[] {"a-1", "a-2", "b-1"}) {
            for (int i = 0; i < 8; i++) {
                var called = FleetCalls.send(fleet, gateway, "POST", "/v1/apps/metered/functions/echo:invoke", ("\"" + i + "\"").getBytes(),
                        "Content-Type", "application/json");
                assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
                ranOn.merge(called.headers().firstValue("X-Skyfn-Node").orElse("?"), 1, Integer::sum);
            }
        }
        // every node's calls reach the fleet's log within a moment, whichever gateway is asked
        await().atMost(Duration.ofSeconds(30)).until(() -> calls("a-1") == 24);
        JsonNode byNode = FleetCalls.json(FleetCalls.send(fleet, "b-1", "GET", "/v1/bills?by=node", null).body()).get("bill");
        Map<String, Integer> billed = new HashMap<>();
        byNode.get("lines").forEach(l -> billed.put(l.get("key").asText(), l.get("calls").asInt()));
        assertThat(billed).as("calls billed per node, against those the gateways said ran there").isEqualTo(ranOn);

        // an app only cloud b serves, called through a gateway of cloud a: its answers leave cloud b, egress
        FleetCalls.deploy(fleet, "b-1", """
                app: faraway
                functions:
                  echo: {handler: dev.skyfn.cli.Echo, memory: 128}
                placement: {affinity: [{name: b, clouds: [b]}]}
                """, Echo.class);
        for (int i = 0; i < 3; i++) {
            var called = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps/faraway/functions/echo:invoke", "\"far\"".getBytes(),
                    "Content-Type", "application/json");
            assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
            assertThat(called.headers().firstValue("X-Skyfn-Node")).hasValue("b-1");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> calls("a-1") == 27);
        JsonNode faraway = FleetCalls.json(FleetCalls.send(fleet, "a-2", "GET", "/v1/bills?app=faraway&by=node", null).body())
                .get("bill").get("total");
        assertThat(faraway.get("egressBytes").asLong()).isEqualTo(faraway.get("bytesOut").asLong()).isPositive();
        JsonNode local = FleetCalls.json(FleetCalls.send(fleet, "a-2", "GET", "/v1/bills?app=metered", null).body()).get("bill").get("total");
        assertThat(local.get("egressBytes").asLong()).as("calls answered within their gateway's cloud").isZero();

        // each node signs a head of its ledger every 10 s; a-2 is killed once its head is in the fleet's log
        await().atMost(Duration.ofSeconds(40)).until(() -> everyHeadCovers(27));
        fleet.kill("a-2");
        assertThat(calls("b-1")).isEqualTo(27);
        String url = "http://127.0.0.1:" + fleet.node("b-1").port();
        CliRun verified = CliRun.skyfn("bills", "verify", "--url", url, "--state", dir.resolve("state.json").toString());
        assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
        for (String node : new String[] {"a-1", "a-2", "b-1"}) {
            assertThat(verified.out()).contains(node + ": verified: ");
        }
    }

    private static long calls(String gateway) {
        return FleetCalls.json(FleetCalls.send(fleet, gateway, "GET", "/v1/bills", null).body()).get("bill").get("total").get("calls").asLong();
    }

    /** Whether each node's latest head in the fleet's log covers its whole ledger, {@code total} records in all. */
    private static boolean everyHeadCovers(long total) {
        JsonNode nodes = FleetCalls.json(FleetCalls.send(fleet, "b-1", "GET", "/v1/ledger", null).body()).get("nodes");
        long covered = 0;
        for (JsonNode n : nodes) {
            JsonNode heads = n.get("heads");
            if (heads.isEmpty() || heads.get(heads.size() - 1).get("size").asLong() != n.get("size").asLong()) {
                return false;
            }
            covered += n.get("size").asLong();
        }
        return covered == total;
    }
}
