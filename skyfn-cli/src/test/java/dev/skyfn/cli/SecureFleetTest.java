package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.Disk;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** A fleet outside dev mode: its tenants and keys are the fleet's, and tenants stay apart on every node. */
@Tag("slow")
class SecureFleetTest {

    private static final String TOPOLOGY = """
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {eu-1: {}}}
              us: {provider: gcp, region: us-east1, trust: trusted, pricing: {model: owned}, nodes: {us-1: {}}}
            users:
              eu: {eu: 10, us: 80}
            latency:
              eu: {us: 70}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("two-clouds.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, false, "--no-aot-cache", "--dead-after", "1500ms");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void keysIssuedThroughOneNodeWorkOnEveryNodeAndTenantsNeverSeeEachOthersApps() {
        String acme = json(send("eu-1", "POST", "/v1/tenants", "{\"name\":\"acme\"}".getBytes(StandardCharsets.UTF_8),
                fleet.adminKey())).get("apiKey").asText();
        String globex = json(send("us-1", "POST", "/v1/tenants", "{\"name\":\"globex\"}".getBytes(StandardCharsets.UTF_8),
                fleet.adminKey())).get("apiKey").asText();
        byte[] jar = JarBuilder.app("app: shop\nfunctions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}, "
                        + "say: {handler: dev.skyfn.cli.Fleetwide$Say, memory: 128}}\n")
                .classes(Fleetwide.class).bytes();

        assertThat(send("us-1", "POST", "/v1/apps", jar, acme).statusCode()).isEqualTo(201);
        assertThat(send("eu-1", "POST", "/v1/apps/shop/functions/where:invoke", "?".getBytes(), acme).statusCode()).isEqualTo(200);

        HttpResponse<String> stranger = send("eu-1", "POST", "/v1/apps/shop/functions/where:invoke", "?".getBytes(), globex);
        assertThat(stranger.statusCode()).isEqualTo(404);
        assertThat(json(send("us-1", "GET", "/v1/apps", null, globex)).get("apps")).isEmpty();
        assertThat(send("us-1", "GET", "/v1/apps", null, null).statusCode()).as("no key").isEqualTo(401);

        // logs gathered from both nodes with the caller's own key: the other node answers for acme, and for no one else
        String ran = send("eu-1", "POST", "/v1/apps/shop/functions/say:invoke", "hi".getBytes(), acme).body();
        for (String gateway : java.util.List.of("eu-1", "us-1")) {
            var logs = json(send(gateway, "GET", "/v1/apps/shop/logs?function=say", null, acme));
            assertThat(logs.get("unreachable")).as("through " + gateway).isEmpty();
            assertThat(logs.get("lines").toString()).as("through " + gateway).contains("said hi").contains("\"node\":\"" + ran + "\"");
        }
        assertThat(send("us-1", "GET", "/v1/apps/shop/logs", null, globex).statusCode()).isEqualTo(404);
        assertThat(send("us-1", "GET", "/v1/apps/shop/logs?scope=node", null, null).statusCode()).as("no key").isEqualTo(401);
        var counts = json(send("us-1", "GET", "/v1/stats", null, acme));
        assertThat(counts.get("unreachable")).isEmpty();
        assertThat(counts.get("nodes")).hasSize(2);
        assertThat(counts.toString()).contains("\"app\":\"shop\"");
        assertThat(json(send("eu-1", "GET", "/v1/stats", null, globex)).toString()).as("another tenant's counts").doesNotContain("shop");
        assertThat(send("eu-1", "GET", "/v1/stats?scope=node", null, null).statusCode()).as("no key").isEqualTo(401);
        assertThat(send("eu-1", "POST", "/v1/tenants", "{\"name\":\"evil\"}".getBytes(), acme).statusCode()).as("not an admin")
                .isEqualTo(403);
    }

    @Test
    void aHostileFunctionReachesNeitherTheFleetsNatsServersNorItsNodesWhileABystanderIsServed() {
        String mallory = json(send("eu-1", "POST", "/v1/tenants", "{\"name\":\"mallory\"}".getBytes(StandardCharsets.UTF_8),
                fleet.adminKey())).get("apiKey").asText();
        String bystander = json(send("eu-1", "POST", "/v1/tenants", "{\"name\":\"bystander\"}".getBytes(StandardCharsets.UTF_8),
                fleet.adminKey())).get("apiKey").asText();
        byte[] jar = JarBuilder.app("app: probe\nfunctions: {probe: {handler: dev.skyfn.cli.Fleetwide$Probe, memory: 128}}\n")
                .classes(Fleetwide.class).bytes();
        assertThat(send("eu-1", "POST", "/v1/apps", jar, mallory).statusCode()).isEqualTo(201);
        byte[] shop = JarBuilder.app("app: shop\nfunctions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}}\n")
                .classes(Fleetwide.class).bytes();
        assertThat(send("us-1", "POST", "/v1/apps", shop, bystander).statusCode()).isEqualTo(201);
        for (EmulatedFleet.Member node : fleet.nodes()) {
            assertThat(probe(mallory, "connect 127.0.0.1:" + node.port())).as("the API of " + node.node()).startsWith("blocked");
            long pid = node.process().pid();
            assertThat(probe(mallory, "read /proc/" + pid + "/environ")).as("the environment of " + node.node()).startsWith("blocked");
            assertThat(probe(mallory, "kill " + pid)).as("the process of " + node.node()).startsWith("blocked");
        }
        for (String cloud : java.util.List.of("eu", "us")) {
            String server = fleet.natsUrl(cloud).replaceFirst("^[a-z]+://", "");
            assertThat(probe(mallory, "connect " + server)).as("the NATS server of " + cloud).startsWith("blocked");
        }
        for (Path secret : java.util.List.of(fleet.natsSeed("eu-1"), fleet.natsSeed("operator"), dir.resolve("fleet/eu-1/admin.key"))) {
            assertThat(probe(mallory, "read " + secret.toAbsolutePath())).as(secret.toString()).startsWith("blocked: java.nio.file.NoSuchFileException");
        }
        for (EmulatedFleet.Member node : fleet.nodes()) {
            assertThat(node.process().isAlive()).as(node.node()).isTrue();
            HttpResponse<String> served = send(node.node(), "POST", "/v1/apps/shop/functions/where:invoke", "?".getBytes(), bystander);
            assertThat(served.statusCode()).as("the bystander through " + node.node() + ": " + served.body()).isEqualTo(200);
        }
    }

    @Test
    void whatATenantStoresReachesJetStreamsDisksSealed() throws Exception {
        String initech = json(send("us-1", "POST", "/v1/tenants", "{\"name\":\"initech\"}".getBytes(StandardCharsets.UTF_8),
                fleet.adminKey())).get("apiKey").asText();
        byte[] jar = JarBuilder.app("app: vault\nfunctions:\n"
                + "  put: {handler: dev.skyfn.cli.Fleetwide$Put, memory: 128}\n"
                + "  get: {handler: dev.skyfn.cli.Fleetwide$Get, memory: 128}\n"
                + "  echo: {handler: dev.skyfn.cli.Fleetwide$Echo, memory: 128}\n"
                + "workflows:\n"
                + "  relay: {StartAt: E, States: {E: {Type: Task, Resource: echo, End: true}}}\n").classes(Fleetwide.class).bytes();
        assertThat(send("eu-1", "POST", "/v1/apps", jar, initech).statusCode()).isEqualTo(201);
        awaitServed("vault", initech);
        String stored = "swordfish-" + System.nanoTime();
        String queued = "tuna-" + System.nanoTime();
        assertThat(send("eu-1", "POST", "/v1/apps/vault/functions/put:invoke", ("secret=" + stored).getBytes(), initech).body())
                .isEqualTo("ok");
        // through the other cloud's gateway at once: one that has not heard of an app yet looks it up in the fleet's records
        assertThat(send("us-1", "POST", "/v1/apps/vault/functions/get:invoke", "secret".getBytes(), initech).body()).isEqualTo(stored);
        String id = json(send("eu-1", "POST", "/v1/apps/vault/functions/echo:invoke?async=true", queued.getBytes(), initech))
                .get("invocationId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                json(send("us-1", "GET", "/v1/invocations/" + id, null, initech)).get("state").asText().equals("succeeded"));

        String executed = "mackerel-" + System.nanoTime();
        HttpResponse<String> run = send("eu-1", "POST", "/v1/apps/vault/workflows/relay/executions",
                ("{\"fish\":\"" + executed + "\"}").getBytes(StandardCharsets.UTF_8), initech);
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        assertThat(run.body()).contains(executed);

        Path jetstream = dir.resolve("fleet/nats");
        String entry = "initech.vault." + Base64.getUrlEncoder().withoutPadding().encodeToString("secret".getBytes());
        String status = "\"id\":\"" + id + "\",\"tenant\":\"initech\",\"app\":\"vault\",\"function\":\"echo\",\"state\":\"SUCCEEDED\"";
        // what is not sealed (the entry's name, the status's fields) shows that the writes reached the disk
        await().atMost(Duration.ofSeconds(30)).until(() -> Disk.holds(jetstream, entry) && Disk.holds(jetstream, status));
        assertThat(Disk.holds(jetstream, stored)).as("a state value in clear on JetStream's disk").isFalse();
        assertThat(Disk.holds(jetstream, queued)).as("an async payload in clear on JetStream's disk").isFalse();
        assertThat(Disk.holds(jetstream, executed)).as("a workflow execution's input and steps in clear on JetStream's disk").isFalse();
    }

    @Test
    void aTenantWhoseTrustPolicyIsTrustedRunsAndKeepsItsKeyOnlyOnTrustedClouds() {
        assertThat(send("eu-1", "POST", "/v1/tenants", "{\"name\":\"bad\",\"trust\":\"total\"}".getBytes(StandardCharsets.UTF_8),
                fleet.adminKey()).statusCode()).isEqualTo(400);
        String umbrella = json(send("eu-1", "POST", "/v1/tenants",
                "{\"name\":\"umbrella\",\"trust\":\"trusted\"}".getBytes(StandardCharsets.UTF_8), fleet.adminKey())).get("apiKey").asText();
        byte[] jar = JarBuilder.app("app: lab\nfunctions:\n"
                + "  put: {handler: dev.skyfn.cli.Fleetwide$Put, memory: 128}\n"
                + "  get: {handler: dev.skyfn.cli.Fleetwide$Get, memory: 128}\n"
                + "  echo: {handler: dev.skyfn.cli.Fleetwide$Echo, memory: 128}\n"
                + "  where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}\n").classes(Fleetwide.class).bytes();
        assertThat(send("eu-1", "POST", "/v1/apps", jar, umbrella).statusCode()).isEqualTo(201);
        awaitServed("lab", umbrella);
        assertThat(send("eu-1", "POST", "/v1/apps/lab/functions/where:invoke", "?".getBytes(), umbrella).body())
                .as("placed on the trusted cloud only").isEqualTo("us-1");
        assertThat(send("eu-1", "POST", "/v1/apps/lab/functions/put:invoke", "formula=t-virus".getBytes(), umbrella).body()).isEqualTo("ok");
        assertThat(send("eu-1", "POST", "/v1/apps/lab/functions/get:invoke", "formula".getBytes(), umbrella).body()).isEqualTo("t-virus");

        String id = json(send("us-1", "POST", "/v1/apps/lab/functions/echo:invoke?async=true", "antidote".getBytes(), umbrella))
                .get("invocationId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                json(send("us-1", "GET", "/v1/invocations/" + id, null, umbrella)).get("state").asText().equals("succeeded"));
        HttpResponse<String> untrustedGateway = send("eu-1", "POST", "/v1/apps/lab/functions/echo:invoke?async=true",
                "vaccine".getBytes(), umbrella);
        assertThat(untrustedGateway.statusCode()).as("an untrusted cloud's node, which cannot seal the payload, sends the call on: "
                + untrustedGateway.body()).isEqualTo(202);
        String forwarded = FleetCalls.json(untrustedGateway.body()).get("invocationId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                json(send("eu-1", "GET", "/v1/invocations/" + forwarded, null, umbrella)).get("state").asText().equals("succeeded"));

        byte[] onlyEu = JarBuilder.app("app: outpost\nplacement: {affinity: [{clouds: [eu]}]}\n"
                + "functions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}}\n").classes(Fleetwide.class).bytes();
        HttpResponse<String> refused = send("eu-1", "POST", "/v1/apps", onlyEu, umbrella);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    }

    /**
     * Waits until {@code app}'s echo answers through eu-1: served once a node has the app placed and
     * its heartbeat says so; a call before that answers UNAVAILABLE, retry later.
     */
    private static void awaitServed(String app, String key) {
        await().atMost(Duration.ofSeconds(30)).until(() -> send("eu-1", "POST", "/v1/apps/" + app + "/functions/echo:invoke",
                "ready?".getBytes(StandardCharsets.UTF_8), key).statusCode() == 200);
    }

    private static String probe(String key, String what) {
        HttpResponse<String> res = send("us-1", "POST", "/v1/apps/probe/functions/probe:invoke", what.getBytes(StandardCharsets.UTF_8), key);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    private static HttpResponse<String> send(String node, String method, String path, byte[] body, String key) {
        return key == null ? FleetCalls.send(fleet, node, method, path, body)
                : FleetCalls.send(fleet, node, method, path, body, "Authorization", "Bearer " + key);
    }

    private static JsonNode json(HttpResponse<String> res) {
        assertThat(res.statusCode()).as(res.body()).isBetween(200, 299);
        return FleetCalls.json(res.body());
    }

}
