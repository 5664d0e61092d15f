package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** A node killed with SIGKILL right after its calls answered still bills every one of them, once. */
@Tag("slow")
@Tag("chaos")
class MeteringCrashTest {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    Path dir;
    private NodeCrashRecoveryTest.NodeProcess node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.kill();
        }
    }

    @Test
    void everyAnsweredCallIsBilledAfterAKill() throws Exception {
        Path data = dir.resolve("data");
        node = NodeCrashRecoveryTest.NodeProcess.start(data, dir.resolve("node-0.log"));
        var deployed = node.send("POST", "/v1/apps", JarBuilder.app("app: billed\nfunctions: {echo: {handler: dev.skyfn.cli.Echo}}")
                .classes(Echo.class).bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        for (int i = 0; i < 25; i++) {
            var called = node.send("POST", "/v1/apps/billed/functions/echo:invoke", ("\"" + i + "\"").getBytes(StandardCharsets.UTF_8));
            assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
        }
        node.kill(); // no head signed since the calls, nothing flushed by a shutdown
        node = NodeCrashRecoveryTest.NodeProcess.start(data, dir.resolve("node-1.log"));
        JsonNode bill = Client.parse(node.send("GET", "/v1/bills", null).body().getBytes(StandardCharsets.UTF_8)).get("bill");
        assertThat(bill.get("total").get("calls").asLong()).isEqualTo(25);
        JsonNode ledgers = Client.parse(node.send("GET", "/v1/ledger", null).body().getBytes(StandardCharsets.UTF_8));
        assertThat(ledgers.get("problems")).isEmpty();
        assertThat(ledgers.get("nodes").get(0).get("size").asLong()).isEqualTo(25);
    }
}
