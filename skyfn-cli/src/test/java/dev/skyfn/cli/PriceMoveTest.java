package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app moves when prices change, and no call fails: two clouds whose prices swap every 40
 * seconds (a trace replayed from the fleet's start), an app placed on the cheaper, calls running
 * all along; when the other becomes cheaper by more than the margin, the app is loaded there,
 * then leaves the first.
 */
@Tag("slow")
class PriceMoveTest {

    private static final String TOPOLOGY = """
            clouds:
              a: {provider: aws, region: eu-west-1, pricing: {model: spot, gbSecond: 0.000002, preemptionNotice: 2m}, nodes: {a-1: {}}}
              b: {provider: gcp, region: europe-west1, pricing: {model: spot, gbSecond: 0.000002, preemptionNotice: 30s}, nodes: {b-1: {}}}
            users:
              eu: {a: 10, b: 10}
            latency:
              a: {b: 2}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY);
        List<String> trace = new ArrayList<>(List.of("# at,cloud,gbSecond,vcpuSecond: the cheaper cloud swaps every 40 s"));
        for (int i = 0; i < 30; i++) {
            boolean aCheap = i % 2 == 0;
            trace.add((i * 40) + "s,a," + (aCheap ? "0.000002" : "0.000010") + ",0");
            trace.add((i * 40) + "s,b," + (aCheap ? "0.000010" : "0.000002") + ",0");
        }
        Path prices = Files.write(dir.resolve("prices.csv"), trace);
        fleet = EmulatedFleet.start(dir.resolve("topology.yaml"), dir.resolve("fleet"), 0, 1, true, Map.of(),
                new EmulatedFleet.Emulation(1, Optional.of(prices)), "--no-aot-cache", "--dead-after", "5s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void anAppMovesToTheCloudThatBecameCheaperWithoutAFailedCall() throws InterruptedException, IOException {
        byte[] jar = JarBuilder.app("""
                app: thrifty
                functions:
                  where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128, timeout: 30s}
                """).classes(Fleetwide.class).bytes();
        HttpResponse<String> deployed = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps", jar);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        FleetCalls.awaitKnown(fleet, "thrifty");
        // a call served where the app is, before it moves: the prices may swap at any moment, so until one is
        var servedBy = new ConcurrentLinkedQueue<String>();
        String first;
        do {
            first = String.join(" ", FleetCalls.inForce(placement()));
            HttpResponse<String> res = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps/thrifty/functions/where:invoke", "?".getBytes());
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            servedBy.add(res.body());
        } while (!servedBy.contains(first) || !FleetCalls.inForce(placement()).equals(List.of(first)));
        String other = first.equals("a-1") ? "b-1" : "a-1";

        var stop = new AtomicBoolean();
        var failures = new ConcurrentLinkedQueue<String>();
        Thread caller = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                HttpResponse<String> res = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps/thrifty/functions/where:invoke", "?".getBytes());
                if (res.statusCode() == 200) {
                    servedBy.add(res.body());
                } else {
                    failures.add(res.body());
                }
            }
        });
        try {
            // within one swap of the prices, the app is on the other cloud, and on it alone; the placement is
            // published before the next call reaches the new home
            await().atMost(Duration.ofSeconds(90)).until(() -> FleetCalls.inForce(placement()).equals(List.of(other)));
            await().atMost(Duration.ofSeconds(30)).until(() -> servedBy.contains(other));
        } finally {
            stop.set(true);
            caller.join();
        }
        // the placement says why it is where it is, with the costs compared (read with the nodes it names, in one answer)
        JsonNode moved = await().atMost(Duration.ofSeconds(30)).until(PriceMoveTest::placement, p -> FleetCalls.inForce(p).equals(List.of(other)));
        assertThat(moved.path("lastChange").path("why").asText()).startsWith("moved for price from [" + first + "] to [" + other + "]")
                .contains("less, beyond the 20% margin");
        assertThat(failures).as("calls that failed while the app moved").isEmpty();
        assertThat(servedBy).contains(first, other);
        String log = FleetCalls.logs(fleet);
        assertThat(log).contains("dev/thrifty moves from [" + first + "] to [" + other + "]")
                .contains("less, beyond the 20% margin").contains("dev/thrifty moved to [" + other + "]");

        JsonNode clouds = FleetCalls.json(FleetCalls.send(fleet, "a-1", "GET", "/v1/clouds", null).body()).get("clouds");
        assertThat(clouds.findValues("gbSecond").stream().map(JsonNode::asDouble).toList()).contains(0.000002, 0.000010);
    }

    private static JsonNode placement() {
        return FleetCalls.placement(fleet, "a-1", "thrifty");
    }
}
