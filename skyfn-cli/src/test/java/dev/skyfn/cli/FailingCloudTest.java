package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
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
 * An app leaves a cloud that fails its health checks, and no call fails: a cheap cloud of three
 * nodes and a dearer one of one, an app on a node of the cheap one, whose two other nodes then
 * stall (SIGSTOP) — most of the cloud gone quiet. The app moves, warm, to the other cloud while
 * its node still serves; once the stalled nodes go on, the cloud passes again and the app comes
 * back for price.
 */
@Tag("slow")
class FailingCloudTest {

    private static final String TOPOLOGY = """
            clouds:
              a: {provider: aws, region: eu-west-1, pricing: {gbSecond: 0.000005}, nodes: {a-1: {}, a-2: {}, a-3: {}}}
              b: {provider: gcp, region: eu-west-2, pricing: {gbSecond: 0.000010}, nodes: {b-1: {}}}
            users:
              eu: {a: 5, b: 5}
            latency:
              a: {b: 4}
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
    void anAppLeavesACloudWhoseNodesMostlyFailAndComesBackOnceItPasses() throws InterruptedException, IOException {
        FleetCalls.deploy(fleet, "b-1", """
                app: sturdy
                functions:
                  where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128, timeout: 30s}
                """, Fleetwide.class);
        String home = await().atMost(Duration.ofSeconds(30)).until(() -> FleetCalls.inForce(placement()),
                p -> p.size() == 1 && p.getFirst().startsWith("a-")).getFirst();
        List<String> stalled = List.of("a-1", "a-2", "a-3").stream().filter(n -> !n.equals(home)).toList();

        var stop = new AtomicBoolean();
        var servedBy = new ConcurrentLinkedQueue<String>();
        var failures = new ConcurrentLinkedQueue<String>();
        Thread caller = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                HttpResponse<String> res = FleetCalls.send(fleet, "b-1", "POST", "/v1/apps/sturdy/functions/where:invoke", "?".getBytes());
                (res.statusCode() == 200 ? servedBy : failures).add(res.body());
            }
        });
        JsonNode moved;
        try {
            stalled.forEach(fleet::freeze);
            moved = await().atMost(Duration.ofSeconds(90)).until(FailingCloudTest::placement, p -> FleetCalls.inForce(p).equals(List.of("b-1")));
            // the placement is published before the next call reaches the new home
            await().atMost(Duration.ofSeconds(30)).until(() -> servedBy.contains("b-1"));
        } finally {
            stop.set(true);
            caller.join();
        }
        assertThat(failures).as("calls that failed while the app left the failing cloud").isEmpty();
        assertThat(servedBy).contains(home, "b-1");
        assertThat(moved.path("lastChange").path("why").asText())
                .isEqualTo("moved off a failing cloud from [" + home + "] to [b-1]: cloud a fails its health checks "
                        + "(2 of its 3 nodes missed their heartbeats)");
        assertThat(FleetCalls.logs(fleet)).contains("cloud a fails its health checks (2 of its 3 nodes missed their heartbeats)");

        // most of the cloud is back: it passes, and the app goes back to it for price
        stalled.forEach(fleet::thaw);
        JsonNode back = await().atMost(Duration.ofSeconds(90)).until(FailingCloudTest::placement,
                p -> !FleetCalls.inForce(p).isEmpty() && FleetCalls.inForce(p).stream().allMatch(n -> n.startsWith("a-")));
        assertThat(back.path("lastChange").path("why").asText()).startsWith("moved for price from [b-1]");
        assertThat(FleetCalls.logs(fleet)).contains("cloud a passes its health checks again");
    }

    private static JsonNode placement() {
        return FleetCalls.placement(fleet, "b-1", "sturdy");
    }
}
