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
 * A spare is not tied to one heap size where cgroups limit memory: booted with the largest heap
 * asked for, it serves an app with a smaller one, and holds that app to its own heap — an app of
 * 1,024 MiB in a spare of 2,048 that holds 1,100 MiB fails as it would have in a JVM of its own
 * size, and is served by a fresh sandbox after.
 */
@Tag("slow")
class SpareFitTest {

    private static final Pattern MAX_HEAP = Pattern.compile("heap may grow to (\\d+) MiB");

    @TempDir
    Path dir;

    @Test
    void aSpareOfALargerHeapServesASmallerAppAndHoldsItToItsOwnHeap() {
        try (TestNode node = TestNode.dev(dir)) {
            var cgroups = node.platform.node().cgroups();
            assertThat(cgroups.limitsMemory()).as(cgroups.describe()).isTrue();
            deploy(node, "large", Hello.class, 2048);
            await().atMost(Duration.ofSeconds(60)).until(() -> spares(node), "{\"2048\":1}"::equals);
            deploy(node, "fitted", Holds.class, 1024);

            String first = answer(node.invoke("fitted", "f", "16"));
            assertThat(maxHeapMb(first)).as("the app's first call ran in the spare of 2,048 MiB: " + first).isGreaterThan(1024);
            assertThat(answer(node.invoke("fitted", "f", "600"))).as("it has the heap it asked for").startsWith("held 600 MiB");

            Errors.assertError(node.invoke("fitted", "f", "1100"), 500, "FUNCTION_OUT_OF_MEMORY", "the app's heap of 1024 MiB is full");

            assertThat(answer(node.invoke("fitted", "f", "16"))).as("the app's next call, in a fresh sandbox").startsWith("held 16 MiB");
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
