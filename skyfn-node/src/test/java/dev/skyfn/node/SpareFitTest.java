package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.apps.Holds;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a node that fits spares ({@code --fit-spares}), a spare is not tied to one heap size where
 * cgroups limit memory: booted with the largest heap asked for, it serves an app with a smaller one
 * and holds that app to its own heap — an app that holds more fails with a memory error naming its
 * own heap, and is served by a fresh sandbox after; once the large app is removed, spares boot at
 * the sizes left. How much a fitted app may keep call after call is not asserted: the kernel may
 * end a fitted sandbox before a JVM of the app's heap would fail (decision 0018).
 */
@Tag("slow")
class SpareFitTest {

    private static final Pattern MAX_HEAP = Pattern.compile("heap may grow to (\\d+) MiB");

    @TempDir
    Path dir;

    @Test
    void aSpareOfALargerHeapServesASmallerAppAndHoldsItToItsOwnHeap() {
        try (TestNode node = TestNode.start(TestNode.config(dir).fitSpares(true).build(), true)) {
            var cgroups = node.platform.node().cgroups();
            assertThat(cgroups.limitsMemory()).as(cgroups.describe()).isTrue();
            deploy(node, "large", Hello.class, 2048);
            await().atMost(Duration.ofSeconds(60)).until(() -> spares(node), "{\"2048\":1}"::equals);
            deploy(node, "fitted", Holds.class, 256);

            String first = answer(node.invoke("fitted", "f", "16"));
            assertThat(maxHeapMb(first)).as("the app's first call ran in the spare of 2,048 MiB: " + first).isGreaterThan(1024);

            // holding 400 MiB, as fast as it can: its sandbox notices a full heap, or the kernel its cgroup's limit, whichever comes first
            var full = node.invoke("fitted", "f", "400");
            assertThat(Errors.json(full).at("/error/code").asText()).as(full.body()).isIn("FUNCTION_OUT_OF_MEMORY", "SANDBOX_OUT_OF_MEMORY");
            assertThat(Errors.json(full).at("/error/message").asText()).as(full.body()).contains("256 MiB");
            assertThat(answer(node.invoke("fitted", "f", "16"))).as("the app's next call, in a fresh sandbox").startsWith("held 16 MiB");

            assertThat(node.send("DELETE", "/v1/apps/large", null).statusCode()).isEqualTo(204);
            await("spares of the largest size left").atMost(Duration.ofSeconds(60)).until(() -> spares(node), "{\"256\":1}"::equals);
        }
    }

    private static String spares(TestNode node) {
        return Errors.json(node.get("/v1/node")).path("sandboxes").path("spareByHeapMb").toString();
    }

    private static String answer(HttpResponse<String> res) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    private static int maxHeapMb(String answer) {
        Matcher m = MAX_HEAP.matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static void deploy(TestNode node, String app, Class<?> handler, int memoryMb) {
        var deployed = node.deploy(JarBuilder.app("app: " + app + "\nshareSandbox: false\nfunctions:\n  f: {handler: "
                + handler.getName() + ", memory: " + memoryMb + "}\n").classes(handler));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }
}
