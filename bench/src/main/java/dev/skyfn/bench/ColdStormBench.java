package dev.skyfn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Bursts of new apps called at the same instant on an idle node (RunD's concurrent start-up, seed
 * {@code 003}): N copies of {@code hello}, differing only in {@code app:}, deployed, then each
 * called once, all at once, with the default 30 s timeout; with sharing of warm sandboxes (the
 * default, Pagurus's help rather than recycle) and without ({@code shareSandbox: false}). Reports
 * the calls answered, their latency, the apps loaded per second, the sandboxes they ended up in
 * and what those sandboxes' processes take in memory (proportional set size, so that pages the
 * JVMs share — the JDK, the AOT cache — are counted once in all).
 */
final class ColdStormBench {

    private final Path root;
    private final List<Integer> bursts;

    ColdStormBench(Path root, List<Integer> bursts) {
        this.root = root;
        this.bursts = bursts;
    }

    String run() {
        try (SkyfnProcess first = SkyfnProcess.start(root, null, 18_093, 1, List.of())) {
            // a new build's first node trains the sandboxes' AOT cache: every burst starts from it
            first.awaitAotCache();
        }
        StringBuilder table = new StringBuilder("""
                | new apps at once | spares | sharing | answered | failed (codes) | p50 | p99 | max | apps loaded/s | sandboxes | cold boot (mean) | memory (PSS) | apps per GiB |
                |---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|
                """);
        for (int apps : bursts) {
            for (boolean share : List.of(true, false)) {
                for (int spares : List.of(1, 3)) {
                    table.append(burst(apps, spares, share));
                }
            }
        }
        return table.toString();
    }

    private String burst(int apps, int spares, boolean share) {
        Path jar = Bench.exampleJar(root, "hello");
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_093, spares, List.of())) {
            for (int i = 0; i < apps; i++) {
                node.deploy(Jars.withManifest(jar, "app: storm" + i + "\nshareSandbox: " + share
                        + "\nfunctions:\n  hello: {handler: dev.skyfn.examples.hello.Hello, memory: 128}\n"));
            }
            node.awaitSpare(128);
            long start = System.nanoTime();
            List<CompletableFuture<Answer>> calls = new ArrayList<>();
            for (int i = 0; i < apps; i++) {
                String app = "storm" + i;
                calls.add(CompletableFuture.supplyAsync(() -> {
                    long t = System.nanoTime();
                    MiniHttp.Response res = node.invoke(app, "hello", "storm");
                    return new Answer((System.nanoTime() - t) / 1e6, res);
                }, Thread.ofVirtual()::start));
            }
            List<Double> answered = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (CompletableFuture<Answer> call : calls) {
                Answer a = call.join();
                if (a.response().status() == 200) {
                    answered.add(a.millis());
                } else {
                    failed.add(a.response().status() + " " + a.code());
                    System.err.println("failed: " + a.response().text());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            var view = node.node();
            int sandboxes = view.get("sandboxes").path("active").asInt();
            double pssMb = sandboxPssKb(view.get("pid").asLong()) / 1024.0;
            return String.format("| %d | %d | %s | %d | %s | %.0f ms | %.0f ms | %.0f ms | %.1f | %d | %.0f ms | %.0f MiB | %.0f |%n", apps, spares,
                    share ? "on" : "off", answered.size(),
                    failed.isEmpty() ? "0" : failed.size() + " (" + String.join(", ", failed.stream().distinct().toList()) + ")",
                    answered.isEmpty() ? 0 : Stats.median(answered), answered.isEmpty() ? 0 : Stats.percentile(answered, 99),
                    answered.stream().mapToDouble(Double::doubleValue).max().orElse(0), answered.size() / seconds, sandboxes,
                    coldBootMillis(MiniHttp.send(node.port, "GET", "/metrics", new byte[0], "text/plain").text()), pssMb, pssMb == 0 ? 0 : answered.size() / (pssMb / 1024));
        }
    }

    private record Answer(double millis, MiniHttp.Response response) {
        String code() {
            var m = java.util.regex.Pattern.compile("\"code\"\\s*:\\s*\"([A-Z_]+)\"").matcher(response.text());
            return m.find() ? m.group(1) : "";
        }
    }

    /** The mean time of the node's boots for a waiting call (no warm-up), from its turn to ready, ms. */
    private static double coldBootMillis(String metrics) {
        double sum = 0;
        double count = 0;
        for (String aot : List.of("true", "false")) {
            String labels = "{aot_cache=\"" + aot + "\",warm_up=\"false\"}";
            sum += ColdStartBench.metric(metrics, "skyfn_sandbox_boot_seconds_sum" + labels);
            count += ColdStartBench.metric(metrics, "skyfn_sandbox_boot_seconds_count" + labels);
        }
        return count == 0 ? 0 : 1000 * sum / count;
    }

    /**
     * What the node's one sandbox holds, MiB of proportional set size, once it is the only one left
     * (a spare of an earlier heap size is stopped as a larger one boots).
     */
    static double onlySparePssMb(long nodePid) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (sandboxes(nodePid).count() != 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node has " + sandboxes(nodePid).count() + " sandboxes, not one spare");
            }
            Procs.sleep(java.time.Duration.ofMillis(50));
        }
        return sandboxPssKb(nodePid) / 1024.0;
    }

    private static java.util.stream.Stream<ProcessHandle> sandboxes(long nodePid) {
        return ProcessHandle.of(nodePid).stream().flatMap(ProcessHandle::descendants)
                .filter(p -> p.info().commandLine().orElse("").contains("SandboxMain"));
    }

    /** The proportional set size of the node's sandbox JVMs (spares included), in KiB, from /proc. */
    private static long sandboxPssKb(long nodePid) {
        return sandboxes(nodePid).mapToLong(p -> pssKb(p.pid())).sum();
    }

    private static long pssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // it ended meanwhile
        }
        return 0;
    }
}
