package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        byte[] jar = JarBuilder.app("app: shop\nfunctions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}}\n")
                .classes(Fleetwide.class).bytes();

        assertThat(send("us-1", "POST", "/v1/apps", jar, acme).statusCode()).isEqualTo(201);
        assertThat(send("eu-1", "POST", "/v1/apps/shop/functions/where:invoke", "?".getBytes(), acme).statusCode()).isEqualTo(200);

        HttpResponse<String> stranger = send("eu-1", "POST", "/v1/apps/shop/functions/where:invoke", "?".getBytes(), globex);
        assertThat(stranger.statusCode()).isEqualTo(404);
        assertThat(json(send("us-1", "GET", "/v1/apps", null, globex)).get("apps")).isEmpty();
        assertThat(send("us-1", "GET", "/v1/apps", null, null).statusCode()).as("no key").isEqualTo(401);
        assertThat(send("eu-1", "POST", "/v1/tenants", "{\"name\":\"evil\"}".getBytes(), acme).statusCode()).as("not an admin")
                .isEqualTo(403);
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
