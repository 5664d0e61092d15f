package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.nats.servers.FleetSecrets;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * No single cloud holds the only copy of the fleet's state: with {@code stateMirror}, the whole
 * state cloud lost, {@code skyfn state promote} serves the state from the mirror's cloud, and the
 * nodes, started again with the topology naming it the state cloud, have every app and async
 * outcome acknowledged before the loss, and take deploys and async calls again.
 */
@Tag("slow")
@Tag("chaos")
class StatePromotionTest {

    private static final String TOPOLOGY = """
            state: s
            stateMirror: m
            clouds:
              s: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned}, nodes: {s-1: {}}}
              m: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {m-1: {}}}
              c: {provider: gcp, region: eu-west-2, pricing: {model: on-demand}, nodes: {c-1: {}}}
            users:
              eu: {s: 10, m: 5, c: 5}
            latency:
              s: {m: 4, c: 4}
              m: {c: 4}
            """;
    private static final String WHERE = "app: where\n"
            + "placement: {affinity: [{name: mc, clouds: [m, c]}], replicas: 2, scheduling: duplicated}\n"
            + "functions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}}\n";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    Path dir;

    @Test
    void afterTheStateCloudIsLostTheMirrorIsPromotedAndNothingAcknowledgedIsLost() throws Exception {
        Path topology = Files.writeString(dir.resolve("three-clouds.yaml"), TOPOLOGY);
        try (EmulatedFleet fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", "2000ms")) {
            deploy(fleet, WHERE);
            await().atMost(Duration.ofSeconds(30)).until(() -> call(fleet, "m-1").equals("m-1"));
            String invocation = FleetCalls.json(FleetCalls.send(fleet, "c-1", "POST", "/v1/apps/where/functions/where:invoke?async=true",
                    "?".getBytes()).body()).get("invocationId").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> state(fleet, "c-1", invocation).equals("succeeded"));
            // the last write before the loss: acknowledged only once the mirror holds it
            deploy(fleet, WHERE.replace("app: where", "app: last"));

            long lost = System.nanoTime();
            fleet.killCloud("s");
            fleet.vanish("s-1");
            assertThat(call(fleet, "m-1")).as("calls go on while the state cloud is gone").isEqualTo("m-1");

            int promoted = Skyfn.run("state", "promote", "--nats", fleet.natsUrl("m"), "--nats-seed",
                    fleet.natsSeed(FleetSecrets.OPERATOR).toString(), "--nats-ca", fleet.natsCa().toString());
            assertThat(promoted).isZero();
            long promotedAt = System.nanoTime();
            Files.writeString(topology, TOPOLOGY.replace("state: s\nstateMirror: m\n", "state: m\n"));
            fleet.restart("m-1");
            fleet.restart("c-1");

            for (String gateway : new String[] {"m-1", "c-1"}) {
                assertThat(FleetCalls.send(fleet, gateway, "GET", "/v1/apps/last", null).statusCode()).as("app last at " + gateway)
                        .isEqualTo(200);
                assertThat(state(fleet, gateway, invocation)).isEqualTo("succeeded");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> call(fleet, "c-1").equals("c-1"));
            deploy(fleet, WHERE.replace("app: where", "app: after"));
            System.err.printf("state cloud lost: promoted %d ms after the loss; nodes restarted and a deploy done %d ms after that%n",
                    (promotedAt - lost) / 1_000_000, (System.nanoTime() - promotedAt) / 1_000_000);
            String later = await().atMost(Duration.ofSeconds(60)).until(() -> {
                var res = FleetCalls.send(fleet, "m-1", "POST", "/v1/apps/after/functions/where:invoke?async=true", "?".getBytes());
                return res.statusCode() == 202 ? FleetCalls.json(res.body()).get("invocationId").asText() : null;
            }, java.util.Objects::nonNull);
            await().atMost(Duration.ofSeconds(60)).until(() -> state(fleet, "m-1", later).equals("succeeded"));
        }
    }

    private static void deploy(EmulatedFleet fleet, String manifest) {
        HttpResponse<String> deployed = FleetCalls.send(fleet, "m-1", "POST", "/v1/apps", JarBuilder.app(manifest).classes(Fleetwide.class).bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    private static String call(EmulatedFleet fleet, String gateway) {
        HttpResponse<String> res = FleetCalls.send(fleet, gateway, "POST", "/v1/apps/where/functions/where:invoke", "?".getBytes());
        return res.statusCode() == 200 ? res.body() : res.statusCode() + " " + res.body();
    }

    private static String state(EmulatedFleet fleet, String gateway, String invocation) {
        return FleetCalls.json(FleetCalls.send(fleet, gateway, "GET", "/v1/invocations/" + invocation, null).body()).path("state").asText();
    }
}
