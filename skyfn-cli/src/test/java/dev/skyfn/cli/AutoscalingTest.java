package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
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
 * An autoscaled app on a fleet of three nodes: its replicas follow the calls in flight up to its
 * max, fall to zero once the calls stop, and a call to it then waits for a replica rather than
 * failing; every decision is there to read, with its numbers.
 */
@Tag("slow")
class AutoscalingTest {

    private static final String TOPOLOGY = """
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {eu-1: {}, eu-2: {}, eu-3: {}}}
            users:
              eu: {eu: 10}
            latency: {}
            """;
    /** One call in flight per replica; a 6 s stable window (0.6 s → 1 s panic window); zero after 1 s idle. */
    private static final String MANIFEST = """
            app: elastic
            scaling: {target: 1, min: 0, max: 3, window: 6s, scaleToZeroAfter: 1s}
            functions:
              hold: {handler: dev.skyfn.cli.Fleetwide$Hold, memory: 128, timeout: 60s, concurrency: 10}
              where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128, timeout: 60s}
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

    /** A replica is loaded as soon as it is placed, before any call: the load it is there for finds it warm. */
    @Test
    void anAutoscaledAppsReplicaIsLoadedBeforeItsFirstCall() {
        byte[] jar = JarBuilder.app(MANIFEST.replace("app: elastic", "app: steady").replace("min: 0", "min: 1"))
                .classes(Fleetwide.class).bytes();
        HttpResponse<String> deployed = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps", jar);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        FleetCalls.awaitKnown(fleet, "steady");
        JsonNode placement = FleetCalls.json(FleetCalls.send(fleet, "eu-2", "GET", "/v1/apps/steady/placement", null).body());
        assertThat(placement.get("inForce")).hasSize(1);
        String replica = placement.get("inForce").get(0).get("node").asText();
        var coldStarted = java.util.regex.Pattern.compile("skyfn_cold_starts_seconds_count\\{app=\"steady\",cloud=\"[^\"]+\",tenant=\"dev\"} 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> coldStarted.matcher(FleetCalls.send(fleet, replica, "GET", "/metrics", null).body()).find());

        HttpResponse<String> first = FleetCalls.send(fleet, replica, "POST", "/v1/apps/steady/functions/where:invoke", "?".getBytes());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).startsWith(replica);
        assertThat(first.headers().firstValue("X-Skyfn-Cold-Start")).as("the first call's cold start").isEmpty();
    }

    @Test
    void replicasFollowTheLoadDownToZeroAndACallBringsOneBack() throws InterruptedException {
        byte[] jar = JarBuilder.app(MANIFEST).classes(Fleetwide.class).bytes();
        HttpResponse<String> deployed = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps", jar);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        FleetCalls.awaitKnown(fleet, "elastic");

        // three callers, each holding a call for a second at a time, through every gateway
        var stop = new AtomicBoolean();
        var failures = new ConcurrentLinkedQueue<String>();
        List<Thread> callers = List.of("eu-1", "eu-2", "eu-3").stream().map(gateway -> Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                HttpResponse<String> res = FleetCalls.send(fleet, gateway, "POST", "/v1/apps/elastic/functions/hold:invoke", "1000".getBytes());
                if (res.statusCode() != 200) {
                    failures.add(res.body());
                }
            }
        })).toList();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> replicas() == 3);
            // the deciding node shows its target beside the actual; the others show nothing of it
            await().atMost(Duration.ofSeconds(30)).until(() -> autoscalerMetric("eu-1", "actual_replicas") == 3.0);
            assertThat(autoscalerMetric("eu-1", "desired_replicas")).isEqualTo(3.0);
            assertThat(autoscalerMetric("eu-1", "target_concurrency")).isEqualTo(1.0);
            assertThat(autoscalerMetric("eu-1", "stable_concurrency")).isGreaterThan(0.0);
            assertThat(FleetCalls.send(fleet, "eu-2", "GET", "/metrics", null).body()).doesNotContain("skyfn_autoscaler_desired_replicas{");
            // and the replicas by state, each node serving it heard
            await().atMost(Duration.ofSeconds(30)).until(() -> metric("eu-1", "skyfn_app_replicas{app=\"elastic\",state=\"ready\",tenant=\"dev\"}") == 3.0);
            assertThat(metric("eu-1", "skyfn_app_replicas{app=\"elastic\",state=\"unreachable\",tenant=\"dev\"}")).isZero();
        } finally {
            stop.set(true);
            for (Thread t : callers) {
                t.join();
            }
        }
        assertThat(failures).as("calls that failed while the app scaled up").isEmpty();

        // no call: after the stable window and the grace, no replica is left
        await().atMost(Duration.ofSeconds(60)).until(() -> replicas() == 0);
        // and the placement says which decision emptied it
        JsonNode emptied = await().atMost(Duration.ofSeconds(10)).until(
                () -> FleetCalls.json(FleetCalls.send(fleet, "eu-3", "GET", "/v1/apps/elastic/placement", null).body()),
                p -> p.get("inForce").isEmpty());
        assertThat(emptied.path("lastChange").path("why").asText()).startsWith("the autoscaler: 1 -> 0 replica(s)")
                .contains("calls in flight");

        // a call to an app with no replica waits for one
        HttpResponse<String> cold = FleetCalls.send(fleet, "eu-2", "POST", "/v1/apps/elastic/functions/where:invoke", "?".getBytes());
        assertThat(cold.statusCode()).as(cold.body()).isEqualTo(200);
        assertThat(cold.body()).startsWith("eu-");
        assertThat(replicas()).isGreaterThanOrEqualTo(1);

        JsonNode scaling = scaling();
        assertThat(scaling.get("scaling").get("max").asInt()).isEqualTo(3);
        List<String> steps = scaling.get("changes").findValues("replicas").stream().map(JsonNode::asText).toList();
        assertThat(steps).as("the replica counts decided, in order").contains("3", "0");
        assertThat(steps.getLast()).isNotEqualTo("0");
        assertThat(scaling.get("changes").get(0).get("why").asText()).contains("calls in flight");
        assertThat(scaling.get("latest").get("node").asText()).isEqualTo("eu-1");
    }

    /** {@code skyfn_autoscaler_<name>} of the elastic app on {@code node}, or NaN when the node shows none. */
    private static double autoscalerMetric(String node, String name) {
        return metric(node, "skyfn_autoscaler_" + name + "{app=\"elastic\",tenant=\"dev\"}");
    }

    /** The value of the series {@code series} (name and labels as Prometheus writes them) on {@code node}, or NaN. */
    private static double metric(String node, String series) {
        String prefix = series + " ";
        return FleetCalls.send(fleet, node, "GET", "/metrics", null).body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst().orElse(Double.NaN);
    }

    private static int replicas() {
        return scaling().get("replicas").asInt();
    }

    private static JsonNode scaling() {
        HttpResponse<String> res = FleetCalls.send(fleet, "eu-3", "GET", "/v1/apps/elastic/scaling", null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return FleetCalls.json(res.body());
    }
}
