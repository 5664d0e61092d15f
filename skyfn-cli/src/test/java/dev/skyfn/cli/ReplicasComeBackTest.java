package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that stalls long enough to be taken for dead loses its replicas to the others; when it
 * answers again, the apps that lost a replica on it get it back, as their placement asks.
 */
@Tag("slow")
@Tag("chaos")
class ReplicasComeBackTest {

    private static final String TOPOLOGY = """
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {eu-1: {}, eu-2: {}}}
            users:
              eu: {eu: 10}
            latency: {}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    static Path dir;
    static EmulatedFleet fleet;

    @BeforeAll
    static void start() throws IOException {
        Path topology = Files.writeString(dir.resolve("one-cloud.yaml"), TOPOLOGY);
        // long enough that a node is not taken for dead while the machine is only busy; the test freezes one for longer
        fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, "--no-aot-cache", "--dead-after", "5s");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.thaw("eu-2");
            fleet.close();
        }
    }

    @Test
    void aNodeTakenForDeadGetsItsReplicasBackWhenItAnswersAgain() {
        byte[] jar = JarBuilder.app("app: pair\nplacement: {replicas: 2, scheduling: duplicated}\n"
                + "functions: {where: {handler: dev.skyfn.cli.Fleetwide$Where, memory: 128}}\n").classes(Fleetwide.class).bytes();
        HttpResponse<String> deployed = FleetCalls.send(fleet, "eu-1", "POST", "/v1/apps", jar);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        // a gateway that serves the app runs the call itself, once its own report says it serves it
        await().atMost(Duration.ofSeconds(30)).until(() -> where("eu-2").equals("eu-2"));

        fleet.freeze("eu-2");
        await().atMost(Duration.ofSeconds(30)).until(() -> log("eu-1").contains("dev/pair placed again on [eu-1]"));
        fleet.thaw("eu-2");

        await().atMost(Duration.ofSeconds(30)).until(() -> log("eu-1").contains("dev/pair placed again on [eu-1, eu-2]")
                || log("eu-2").contains("dev/pair placed again on [eu-1, eu-2]"));
        await().atMost(Duration.ofSeconds(30)).until(() -> where("eu-2").equals("eu-2"));
    }

    private static String where(String gateway) {
        HttpResponse<String> res = FleetCalls.send(fleet, gateway, "POST", "/v1/apps/pair/functions/where:invoke", "?".getBytes());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    private static String log(String node) throws IOException {
        return Files.readString(fleet.node(node).log());
    }
}
