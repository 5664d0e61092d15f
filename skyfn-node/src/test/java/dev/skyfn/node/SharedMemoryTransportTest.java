package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.sandbox.SandboxTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose sandboxes talk to it over shared memory, whatever transport the rest of the suite
 * runs on: calls small enough for a ring and calls too large for one (over the socket) answer
 * whole, many at once; the sandbox maps the file, which is gone from the file system once both
 * ends have it.
 */
@Tag("slow")
class SharedMemoryTransportTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(TestNode.config(dir).sandboxTransport(SandboxTransport.SHARED_MEMORY).build(), true);
        var deployed = node.deploy(JarBuilder.app("""
                app: hello
                functions:
                  hello:
                    handler: dev.skyfn.node.apps.Hello
                """).classes(Hello.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void callsOfEverySizeAnswerWholeManyAtOnce() throws Exception {
        // a ring holds frames up to 32 KiB: 100 KB goes over the socket, in its place among the others
        List<String> names = List.of("ring", "x".repeat(100_000), "é".repeat(20_000), "again");
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<Future<Boolean>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String name = names.get(i % names.size()) + i;
                calls.add(pool.submit(() -> {
                    var res = node.invoke("hello", "hello", name);
                    return res.statusCode() == 200 && res.body().equals("Hello, " + name + "!");
                }));
            }
            for (Future<Boolean> call : calls) {
                assertThat(call.get()).isTrue();
            }
        }
    }

    @Test
    void theSandboxMapsItsChannelsFileWhichNoLongerHasAName() {
        assertThat(node.invoke("hello", "hello", "maps").statusCode()).isEqualTo(200);
        // a spare still warming up maps its file only as it connects: every sandbox does, once it has
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<ProcessHandle> sandboxes = ProcessHandle.current().descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains("SandboxMain") && p.info().command().orElse("").endsWith("java"))
                    .toList();
            assertThat(sandboxes).isNotEmpty();
            for (ProcessHandle sandbox : sandboxes) {
                assertThat(maps(sandbox)).as("sandbox %d's mappings", sandbox.pid()).anySatisfy(line ->
                        assertThat(line).contains("frames.shm").endsWith("(deleted)"));
            }
        });
    }

    /** A process's mappings; none once it is gone. */
    private static List<String> maps(ProcessHandle process) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "maps"));
        } catch (IOException gone) {
            return List.of();
        }
    }
}
