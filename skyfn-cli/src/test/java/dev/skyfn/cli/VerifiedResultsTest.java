package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify: redundant} on a fleet of two providers, one of whose nodes alters the results of
 * one app (a test-only fault): its calls fail with RESULT_MISMATCH and are audited, while the
 * same function of an app it leaves alone answers, run on both providers.
 */
@Tag("slow")
class VerifiedResultsTest {

    private static final String TOPOLOGY = """
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {eu-1: {}}}
              us: {provider: gcp, region: us-east1, pricing: {model: on-demand}, nodes: {us-1: {}}}
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
        Path topology = Files.writeString(dir.resolve("two-providers.yaml"), TOPOLOGY);
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, true,
                Map.of("us-1", List.of("--fault-tamper-results", "tampered")), "--no-aot-cache");
        for (String app : List.of("honest", "tampered")) {
            byte[] jar = JarBuilder.app("app: " + app + "\n"
                    + "placement: {replicas: 1, scheduling: duplicated, spread: {minClouds: 2}}\n"
                    + "functions:\n"
                    + "  echo: {handler: dev.skyfn.cli.Fleetwide$Echo, memory: 128, verify: redundant}\n"
                    + "  where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}\n").classes(Fleetwide.class).bytes();
            HttpResponse<String> deployed = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps", jar);
            assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void anAppThatCouldOnlyRunOnOneProviderIsRefusedAtDeployment() {
        byte[] jar = JarBuilder.app("app: lonely\n"
                + "placement: {affinity: [{clouds: [eu]}]}\n"
                + "functions:\n"
                + "  echo: {handler: dev.skyfn.cli.Fleetwide$Echo, memory: 128, verify: redundant}\n").classes(Fleetwide.class).bytes();
        HttpResponse<String> refused = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps", jar);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(FleetCalls.json(refused.body()).get("error").get("code").asText()).isEqualTo("PLACEMENT_UNSATISFIABLE");
        assertThat(refused.body()).contains("verify: redundant").contains("[aws]");
    }

    @Test
    void aResultBothProvidersAgreeOnIsAnswered() {
        HttpResponse<String> res = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps/honest/functions/echo:invoke",
                "42".getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("42");
    }

    @Test
    void aResultOneNodeAlteredIsCaughtAndAudited() throws IOException {
        HttpResponse<String> res = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps/tampered/functions/echo:invoke",
                "42".getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(502);
        JsonNode error = FleetCalls.json(res.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("RESULT_MISMATCH");
        assertThat(error.get("message").asText()).contains("eu-1").contains("us-1");

        Path audit = dir.resolve("fleet/eu-1/audit.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(audit) && !Files.readAllLines(audit).isEmpty());
        JsonNode entry = FleetCalls.json(Files.readAllLines(audit).getLast());
        assertThat(entry.get("event").asText()).isEqualTo("RESULT_MISMATCH");
        assertThat(entry.get("app").asText()).isEqualTo("tampered");
        assertThat(entry.get("answers").findValuesAsText("node")).containsExactlyInAnyOrder("eu-1", "us-1");
        assertThat(entry.get("answers").findValuesAsText("provider")).containsExactlyInAnyOrder("aws", "gcp");

        HttpResponse<String> unverified = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps/tampered/functions/where:invoke",
                "?".getBytes(StandardCharsets.UTF_8));
        assertThat(unverified.statusCode()).as("a function not declared redundant runs once, as before").isEqualTo(200);
    }
}
