package dev.skyfn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The wall time of {@code ./skyfn ls} against a running node, as a user types it (the script, the
 * JDK lookup, the JVM), beside its limit — a bare JVM that sends the same GET and exits — and the
 * peer a user would reach for, {@code curl}. Each command runs {@code runs} times after two
 * unmeasured runs (the first run after a build makes the CLI's CDS archive), against a node whose
 * endpoint has answered a few hundred times already.
 */
final class CliStartBench {

    private final Path root;
    private final int runs;

    CliStartBench(Path root, int runs) {
        this.root = root;
        this.runs = runs;
    }

    String run() {
        // no AOT training and a spare already booted: the node is idle while the commands are timed
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_094, 1, List.of(), "--no-aot-cache")) {
            node.deploy(Bench.example(root, "hello"));
            node.awaitSpare(128);
            for (int i = 0; i < 200; i++) {
                MiniHttp.send(node.port, "GET", "/v1/apps", new byte[0], "text/plain");
            }
            String url = "http://127.0.0.1:" + node.port;
            List<Double> skyfn = time(List.of(root.resolve("skyfn").toString(), "ls", "--url", url));
            List<Double> plain = time(List.of(Procs.JAVA.toString(), "-jar", root.resolve("skyfn-cli/target/skyfn.jar").toString(),
                    "ls", "--url", url));
            List<Double> bare = time(List.of(Procs.JAVA.toString(), "-cp", Bench.classpath(root), GetOnce.class.getName(), url + "/v1/apps"));
            List<Double> curl = time(List.of("curl", "-sf", url + "/v1/apps"));
            return String.format("""
                    | | runs | median | p99 (max) |
                    |---|---:|---:|---:|
                    | `curl` the same endpoint | %d | %.1f ms | %.1f ms |
                    | bare JVM sending one GET (`GetOnce`) | %d | %.1f ms | %.1f ms |
                    | `./skyfn ls` (script, JDK lookup, CDS archive, C1 only) | %d | %.1f ms | %.1f ms |
                    | `java -jar skyfn.jar ls` (no archive, default compilers) | %d | %.1f ms | %.1f ms |
                    | **`./skyfn ls` / bare JVM** | | **×%.2f** | |
                    """, curl.size(), Stats.median(curl), Stats.percentile(curl, 99), bare.size(), Stats.median(bare),
                    Stats.percentile(bare, 99), skyfn.size(), Stats.median(skyfn), Stats.percentile(skyfn, 99), plain.size(),
                    Stats.median(plain), Stats.percentile(plain, 99), Stats.median(skyfn) / Stats.median(bare));
        }
    }

    /** Wall times in ms of {@code runs} runs of {@code command}, after two that are not counted. */
    private List<Double> time(List<String> command) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs + 2; i++) {
            long start = System.nanoTime();
            try {
                Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (i >= 2) {
                ms.add((System.nanoTime() - start) / 1e6);
            }
        }
        return ms;
    }
}
