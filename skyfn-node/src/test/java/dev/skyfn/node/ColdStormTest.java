package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.sandbox.SandboxLauncher;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many new apps called at once on a node with one spare or none: boots queue for their turn (one
 * per CPU at once) rather than all starting together and every call answers. When every boot is
 * slow ({@link SandboxLauncher#SLOW_BOOT_PROPERTY}) a call whose own timeout passes while it waits
 * fails then — not before — saying where its time went, and no call is ever refused as
 * unavailable. The apps opt out of sharing a sandbox ({@link SharedSandboxTest}), so
 * that every one of them needs a boot.
 */
@Tag("slow")
class ColdStormTest {

    private static final int APPS = 12;
    /** Apps of the slow-boot burst: on two CPUs, three turns of boots of at least {@link #SLOW_BOOT} each. */
    private static final int SLOW_APPS = 5;
    private static final Duration SLOW_BOOT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void aBurstOfNewAppsLargerThanTheSparePoolAllAnswer() {
        try (TestNode node = TestNode.dev(dir)) {
            for (int i = 0; i < APPS; i++) {
                deploy(node, "app" + i, "30s");
            }
            allAnswer(burst(node, APPS));
        }
    }

    @Test
    void withSlowBootsCallsQueueAndNoneFailsBeforeItsTimeout() {
        System.setProperty(SandboxLauncher.SLOW_BOOT_PROPERTY, SLOW_BOOT.toMillis() + "ms");
        try (TestNode node = TestNode.start(TestNode.config(dir).spareSandboxes(0).build(), true)) {
            // no spare, and a boot alone takes longer than the hurried call's timeout, so it times
            // out wherever its boot falls among the others: the test does not race what it tests
            burstBehindWhichAOneSecondCallTimesOut(node, SLOW_APPS, "60s");
        } finally {
            System.clearProperty(SandboxLauncher.SLOW_BOOT_PROPERTY);
        }
    }

    /**
     * {@code apps} new apps called at once, and behind their boots one with a 1 s timeout: it
     * fails then, no earlier, saying it waited for its load, which goes on; all the others answer.
     */
    private static void burstBehindWhichAOneSecondCallTimesOut(TestNode node, int apps, String timeout) {
        for (int i = 0; i < apps; i++) {
            deploy(node, "app" + i, timeout);
        }
        deploy(node, "hurried", "1s");

        List<CompletableFuture<HttpResponse<String>>> calls = burst(node, apps);
        long start = System.nanoTime();
        HttpResponse<String> hurried = node.invoke("hurried", "hello", "storm");
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(hurried.statusCode()).as(hurried.body()).isEqualTo(504);
        assertThat(hurried.body()).contains("FUNCTION_TIMEOUT").contains("waiting for its app to be loaded into a sandbox");
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        allAnswer(calls);
        HttpResponse<String> later = node.invoke("hurried", "hello", "again");
        assertThat(later.statusCode()).as("its load went on: " + later.body()).isEqualTo(200);
    }

    private static List<CompletableFuture<HttpResponse<String>>> burst(TestNode node, int apps) {
        return IntStream.range(0, apps)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> node.invoke("app" + i, "hello", "storm"), Thread.ofVirtual()::start))
                .toList();
    }

    private static void allAnswer(List<CompletableFuture<HttpResponse<String>>> calls) {
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> res = call.join();
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("Hello, storm!");
        }
    }

    private static void deploy(TestNode node, String app, String timeout) {
        var deployed = node.deploy(JarBuilder.app("app: " + app + "\nshareSandbox: false\nfunctions:\n  hello: {handler: dev.skyfn.node.apps.Hello, memory: 128, timeout: "
                + timeout + "}\n").classes(Hello.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }
}
