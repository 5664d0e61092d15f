package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online before batch on one node, as the OS enforces it: the sandbox of an app whose functions
 * are all {@code priority: batch} runs in a cgroup of the least CPU weight, an online app's at
 * the full one, and the two never share a sandbox. Read from the kernel's own files, so this
 * needs a host whose cpu controller a node may use (CI's has).
 */
@Tag("slow")
class PriorityTest {

    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private static JarBuilder app(String name, String priority) {
        return JarBuilder.app("app: " + name + "\nfunctions:\n  hello: {handler: dev.skyfn.node.apps.Hello, memory: 128, priority: " + priority
                + "}\n  again: {handler: dev.skyfn.node.apps.Hello, memory: 128, priority: " + priority + "}\n").classes(Hello.class);
    }

    @Test
    void batchWorkRunsAtTheLeastCpuWeightAndOnlineWorkAtTheFull() throws Exception {
        Path cpu = cpuGroup();
        Assumptions.assumeTrue(cpu != null && (Files.exists(cpu.resolve("cpu.shares")) || Files.exists(cpu.resolve("cpu.weight"))),
                "no cpu cgroup controller here");
        try (TestNode node = TestNode.dev(dir)) {
            assertThat(node.deploy(app("report", "batch")).statusCode()).isEqualTo(201);
            assertThat(node.invoke("report", "hello", "batch").body()).isEqualTo("Hello, batch!");
            assertThat(Errors.json(node.get("/v1/apps/report")).get("functions").get(0).get("priority").asText()).isEqualTo("batch");
            assertThat(weights(cpu)).as("the batch app's sandbox").containsOnlyOnce(batchWeight(cpu));

            assertThat(node.deploy(app("shop", "online")).statusCode()).isEqualTo(201);
            assertThat(node.invoke("shop", "hello", "online").body()).isEqualTo("Hello, online!");
            List<Long> weights = weights(cpu);
            assertThat(weights).as("one sandbox each: the batch app's still at the least weight").containsOnlyOnce(batchWeight(cpu));
            assertThat(weights).as("the online app's at the full weight").contains(onlineWeight(cpu));
        }
    }

    /** The weight of each sandbox group this process's node made, as the kernel has it now. */
    private static List<Long> weights(Path cpu) throws IOException {
        try (Stream<Path> groups = Files.list(cpu)) {
            return groups.filter(g -> g.getFileName().toString().startsWith("skyfn." + PID + "."))
                    .map(g -> read(Files.exists(g.resolve("cpu.shares")) ? g.resolve("cpu.shares") : g.resolve("cpu.weight")))
                    .toList();
        }
    }

    private static long batchWeight(Path cpu) {
        return Files.exists(cpu.resolve("cpu.shares")) ? 2 : 1;
    }

    private static long onlineWeight(Path cpu) {
        return Files.exists(cpu.resolve("cpu.shares")) ? 64 * 1024 : 100;
    }

    /** This process's group in the hierarchy with the cpu controller (v1's, else v2's), where its node makes sandbox groups. */
    private static Path cpuGroup() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains("cpu")) {
                return Path.of("/sys/fs/cgroup/cpu" + f[2]);
            }
        }
        Path unified = Path.of("/sys/fs/cgroup" + Files.readAllLines(Path.of("/proc/self/cgroup")).getLast().split(":", 3)[2]);
        return Files.exists(unified.resolve("cgroup.controllers")) ? unified : null;
    }

    private static long read(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return -1; // the group went meanwhile
        }
    }
}
