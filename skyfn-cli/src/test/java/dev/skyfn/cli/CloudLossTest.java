package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data plane does not depend on the state cloud: with the NATS server holding JetStream gone,
 * calls to deployed apps go on everywhere and what truly needs JetStream answers
 * {@code 503 UNAVAILABLE} with {@code Retry-After}; a cloud cut off from the rest goes on serving
 * the apps on its own nodes. Both come back when their server does.
 */
@Tag("slow")
@Tag("chaos")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloudLossTest {

    private static final String TOPOLOGY = """
            state: s
            clouds:
              s: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned}, nodes: {s-1: {}}}
              a: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {a-1: {}}}
              b: {provider: gcp, region: eu-west-2, pricing: {model: on-demand}, nodes: {b-1: {}}}
            users:
              eu: {s: 10, a: 5, b: 5}
            latency:
              s: {a: 4, b: 4}
              a: {b: 4}
            """;
    private static final Duration DEAD_AFTER = Duration.ofSeconds(2);
    private static final String WHERE = "app: where\n"
            + "placement: {affinity: [{name: ab, clouds: [a, b]}], replicas: 2, scheduling: duplicated}\n"
            + "functions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}}\n";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("three-clouds.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", DEAD_AFTER.toMillis() + "ms");
        HttpResponse<String> deployed = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps", jar(WHERE));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        // each gateway serves the app itself, once its own report says so
        await().atMost(Duration.ofSeconds(30)).until(() -> where("a-1").equals("a-1") && where("b-1").equals("b-1"));
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void callsGoOnWithoutTheStateCloudAndWhatNeedsItAnswersUnavailable() throws IOException {
        fleet.killNats("s");

        List<String> failed = callFor(DEAD_AFTER.multipliedBy(3), "a-1", "b-1");
        assertThat(failed).as("calls that failed while the state cloud was gone").isEmpty();

        HttpResponse<String> async = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps/where/functions/where:invoke?async=true", "?".getBytes());
        assertUnavailable(async);
        HttpResponse<String> deploy = FleetCalls.send(fleet, "b-1", "POST", "/v1/apps", jar(WHERE.replace("app: where", "app: later")));
        assertUnavailable(deploy);

        long restarted = System.nanoTime();
        fleet.restartNats("s");
        // deploys are refused until JetStream answers again (a slow first one may still land: the app is then there)
        await().atMost(Duration.ofSeconds(60)).until(() -> deployed("later")
                || FleetCalls.send(fleet, "a-1", "GET", "/v1/apps/later", null).statusCode() == 200);
        String id = await().atMost(Duration.ofSeconds(60)).until(() -> {
            var res = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps/where/functions/where:invoke?async=true", "?".getBytes());
            return res.statusCode() == 202 ? FleetCalls.json(res.body()).get("invocationId").asText() : null;
        }, java.util.Objects::nonNull);
        await().atMost(Duration.ofSeconds(60)).until(() -> FleetCalls.json(FleetCalls.send(fleet, "a-1", "GET", "/v1/invocations/" + id, null)
                .body()).path("state").asText().equals("succeeded"));
        System.err.printf("state cloud back: a deploy and an async call done %d ms after its NATS server was started again%n",
                (System.nanoTime() - restarted) / 1_000_000);
        assertThat(Files.readAllLines(fleet.node("a-1").log()).stream().filter(l -> l.contains("node b-1 of b missed its heartbeats")))
                .as("a-1 never took b-1 for dead").isEmpty();
    }

    @Test
    @Order(2)
    void aCloudCutOffFromTheRestGoesOnServingItsOwnApps() {
        fleet.killNats("b");

        List<String> failed = callFor(DEAD_AFTER.multipliedBy(3), "a-1", "b-1");
        assertThat(failed).as("calls that failed while cloud b was cut off").isEmpty();
        assertThat(where("b-1")).isEqualTo("b-1");

        long restarted = System.nanoTime();
        fleet.restartNats("b");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(fleet.node("b-1").log()).contains("hears its own heartbeat again"));
        await().atMost(Duration.ofSeconds(60)).until(() -> where("b-1").equals("b-1") && where("a-1").equals("a-1"));
        System.err.printf("cloud b back in the fleet %d ms after its NATS server was started again%n", (System.nanoTime() - restarted) / 1_000_000);
    }

    /** Calls the app through each gateway in turn for {@code period}; returns the failures, each as gateway: status body. */
    private static List<String> callFor(Duration period, String... gateways) {
        List<String> failed = new ArrayList<>();
        long end = System.nanoTime() + period.toNanos();
        int calls = 0;
        while (System.nanoTime() < end) {
            for (String gateway : gateways) {
                HttpResponse<String> res = FleetCalls.send(fleet, gateway, "POST", "/v1/apps/where/functions/where:invoke", "?".getBytes());
                calls++;
                if (res.statusCode() != 200) {
                    failed.add(gateway + ": " + res.statusCode() + " " + res.body());
                }
            }
        }
        System.err.println(calls + " calls in " + period + ", " + failed.size() + " failed");
        return failed;
    }

    private static boolean deployed(String app) {
        HttpResponse<String> res = FleetCalls.send(fleet, "a-1", "POST", "/v1/apps", jar(WHERE.replace("app: where", "app: " + app)));
        return res.statusCode() == 201;
    }

    private static void assertUnavailable(HttpResponse<String> res) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(503);
        assertThat(FleetCalls.json(res.body()).path("error").path("code").asText()).isEqualTo("UNAVAILABLE");
        assertThat(res.headers().firstValue("Retry-After")).isPresent();
    }

    private static String where(String gateway) {
        HttpResponse<String> res = FleetCalls.send(fleet, gateway, "POST", "/v1/apps/where/functions/where:invoke", "?".getBytes());
        return res.statusCode() == 200 ? res.body() : res.statusCode() + " " + res.body();
    }

    private static byte[] jar(String manifest) {
        return JarBuilder.app(manifest).classes(Fleetwide.class).bytes();
    }
}
