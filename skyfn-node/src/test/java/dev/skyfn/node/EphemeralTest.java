package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Jobs;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ephemeral namespaces through ctx.ephemeral(): shared by a tenant's apps, waited on, removed. */
@Tag("slow")
class EphemeralTest {

    @TempDir
    Path dir;

    private static String call(TestNode node, String app, String fn, String body) {
        var res = node.send("POST", "/v1/apps/" + app + "/functions/" + fn + ":invoke", body.getBytes(),
                "Content-Type", "application/json");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    @Test
    void aCollectorWaitsForTheProducersOfAnotherAppAndCleansUp() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: producer\nfunctions: {produce: {handler: dev.skyfn.node.apps.Jobs$Produce}}")
                    .classes(Jobs.class));
            node.deploy(JarBuilder.app("app: collector\nfunctions:\n  collect: {handler: dev.skyfn.node.apps.Jobs$Collect}\n"
                    + "  peek: {handler: dev.skyfn.node.apps.Jobs$Peek}\n").classes(Jobs.class));
            call(node, "collector", "peek", "/job-7/parts");
            var collected = CompletableFuture.supplyAsync(() -> call(node, "collector", "collect", "job-7:4"));
            // an empty part is a part: the collector reads it as present (an absent one would fail it)
            call(node, "producer", "produce", "{\"job\":\"job-7\",\"name\":\"d\",\"text\":\"\"}");
            for (String part : new String[]{"b", "c", "a"}) {
                call(node, "producer", "produce", "{\"job\":\"job-7\",\"name\":\"" + part + "\",\"text\":\"" + part.toUpperCase() + "\"}");
            }
            assertThat(collected.join()).isEqualTo("ABC");
            assertThat(call(node, "collector", "peek", "/job-7/parts")).isEqualTo("0 items");
        }
    }

    @Test
    void aWaitEndsAtItsTimeout() {
        try (TestNode node = TestNode.dev(dir)) {
            node.deploy(JarBuilder.app("app: collector\nfunctions: {collect: {handler: dev.skyfn.node.apps.Jobs$Collect}}")
                    .classes(Jobs.class));
            assertThat(call(node, "collector", "collect", "never:1:300")).isEqualTo("timed out with 0");
        }
    }
}
