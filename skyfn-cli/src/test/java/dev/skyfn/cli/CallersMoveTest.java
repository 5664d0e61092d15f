package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
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
 * An app follows its users, and no call fails: two clouds alike but for where they are, an app
 * placed on one, then called only by users of the other's region; the fleet sees where its calls
 * come from, loads the app on the cloud near them, and leaves the first.
 */
@Tag("slow")
class CallersMoveTest {

    private static final String TOPOLOGY = """
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {eu-1: {}}}
              us: {provider: gcp, region: us-east1, pricing: {model: on-demand}, nodes: {us-1: {}}}
            users:
              europe: {eu: 10, us: 80}
              america: {eu: 80, us: 10}
            latency:
              eu: {us: 70}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
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
    void anAppMovesToTheCloudNearItsCallersWithoutAFailedCall() throws InterruptedException, IOException {
        FleetCalls.deploy(fleet, "eu-1", """
                app: nearby
                functions:
                  where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128, timeout: 30s}
                """, Fleetwide.class);
        String first = await().atMost(Duration.ofSeconds(30)).until(() -> FleetCalls.inForce(placement()), p -> !p.isEmpty()).getFirst();
        String other = first.equals("eu-1") ? "us-1" : "eu-1";
        String region = other.equals("us-1") ? "america" : "europe";

        // its users are all in the other cloud's region now; they reach the first cloud's gateway, saying where they are
        var stop = new AtomicBoolean();
        var servedBy = new ConcurrentLinkedQueue<String>();
        var failures = new ConcurrentLinkedQueue<String>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    HttpResponse<String> res = FleetCalls.send(fleet, first, "POST", "/v1/apps/nearby/functions/where:invoke",
                            "?".getBytes(), "X-Skyfn-Region", region);
                    (res.statusCode() == 200 ? servedBy : failures).add(res.body());
                }
            }));
        }
        JsonNode moved;
        try {
            moved = await().atMost(Duration.ofSeconds(90)).until(CallersMoveTest::placement, p -> FleetCalls.inForce(p).equals(List.of(other)));
            // the placement is published before the next call reaches the new home
            await().atMost(Duration.ofSeconds(30)).until(() -> servedBy.contains(other));
        } finally {
            stop.set(true);
            for (Thread t : callers) {
                t.join();
            }
        }
        assertThat(failures).as("calls that failed while the app moved").isEmpty();
        assertThat(servedBy).contains(first, other);
        assertThat(moved.path("lastChange").path("why").asText()).startsWith("moved for its callers from [" + first + "] to [" + other + "]")
                .contains("of its last", "calls came from " + region, "less, beyond the 20% margin");
        assertThat(FleetCalls.logs(fleet)).contains("dev/nearby moves from [" + first + "] to [" + other + "]: its callers moved")
                .contains("dev/nearby moved to [" + other + "]");
    }

    private static JsonNode placement() {
        return FleetCalls.placement(fleet, "eu-1", "nearby");
    }
}
