package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@code skyfn dev} process started from the built distribution, and calls to it. */
final class SkyfnProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Process process;
    final int port;
    private final Path data;

    private SkyfnProcess(Process process, int port, Path data) {
        this.process = process;
        this.port = port;
        this.data = data;
    }

    /** Starts {@code skyfn dev} on {@code port}, pinned to {@code cpus} when given. */
    static SkyfnProcess start(Path root, String cpus, int port, int spares, List<String> jvmFlags, String... options) {
        return start(root, cpus, port, spares, jvmFlags, java.util.Map.of(), options);
    }

    /**
     * {@link #start(Path, String, int, int, List, String...)} as on a host without bubblewrap:
     * sandboxes are plain child processes (no namespaces, no network stack of their own), to
     * measure what confinement costs.
     */
    static SkyfnProcess startUnconfined(Path root, String cpus, int port, int spares, List<String> jvmFlags, String... options) {
        return start(root, cpus, port, spares, jvmFlags, java.util.Map.of("SKYFN_BWRAP", "/nonexistent/bwrap"), options);
    }

    private static SkyfnProcess start(Path root, String cpus, int port, int spares, List<String> jvmFlags,
                                      java.util.Map<String, String> env, String... options) {
        try {
            Path data = Files.createTempDirectory("skyfn-bench-");
            List<String> cmd = new ArrayList<>(List.of(Procs.JAVA.toString()));
            cmd.addAll(jvmFlags);
            cmd.addAll(List.of("-jar", root.resolve("skyfn-cli/target/skyfn.jar").toString(), "dev",
                    "--port", Integer.toString(port), "--data", data.toString(), "--spares", Integer.toString(spares)));
            cmd.addAll(List.of(options));
            var p = new SkyfnProcess(Procs.start(cpus, data.resolveSibling(data.getFileName() + ".log"), cmd, env), port, data);
            p.awaitUp();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitUp() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (MiniHttp.send(port, "GET", "/v1/health", new byte[0], "text/plain").status() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                Procs.sleep(Duration.ofMillis(50));
            }
        }
        throw new IllegalStateException("skyfn did not start on port " + port);
    }

    JsonNode deploy(byte[] jar) {
        MiniHttp.Response res = MiniHttp.send(port, "POST", "/v1/apps", jar, "application/java-archive");
        if (res.status() != 201) {
            throw new IllegalStateException("deploy failed: " + res.text());
        }
        return json(res.body());
    }

    MiniHttp.Response invoke(String app, String function, String body) {
        return MiniHttp.send(port, "POST", "/v1/apps/" + app + "/functions/" + function + ":invoke",
                body.getBytes(), "application/json");
    }

    JsonNode node() {
        return json(MiniHttp.send(port, "GET", "/v1/node", new byte[0], "text/plain").body());
    }

    /**
     * Waits until sandboxes start from the AOT cache: a sandbox booted with it, or the node trained
     * it (a new build's first node does, in the background, for a few seconds).
     */
    void awaitAotCache() {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Path log = data.resolveSibling(data.getFileName() + ".log");
        while (true) {
            String metrics = MiniHttp.send(port, "GET", "/metrics", new byte[0], "text/plain").text();
            try {
                if (metrics.contains("skyfn_sandbox_boot_seconds_count{aot_cache=\"true\"")
                        || Files.readString(log).contains("sandboxes now start from the AOT cache")) {
                    return;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node made no AOT cache for its sandboxes");
            }
            Procs.sleep(Duration.ofMillis(200));
        }
    }

    /** Waits until a spare with a heap of at least {@code heapMb} is ready (where cgroups limit memory, a larger one serves a smaller app). */
    void awaitSpare(int heapMb) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!hasSpare(heapMb)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no spare sandbox of " + heapMb + " MiB");
            }
            Procs.sleep(Duration.ofMillis(20));
        }
    }


    private boolean hasSpare(int heapMb) {
        var spares = node().get("sandboxes").get("spareByHeapMb").properties();
        return spares.stream().anyMatch(e -> Integer.parseInt(e.getKey()) >= heapMb && e.getValue().asInt() > 0);
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Procs.stop(process);
        try (var files = Files.walk(data)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temporary files only
        }
    }
}
