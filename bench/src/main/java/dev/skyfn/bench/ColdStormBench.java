package dev.skyfn.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Bursts of new apps called at the same instant on an idle node (RunD's concurrent start-up, seed
 * {@code 003}): N copies of {@code hello}, differing only in {@code app:}, deployed, then each
 * called once, all at once, with the default 30 s timeout. Reports the calls answered, their
 * latency, and the new sandboxes per second the burst got.
 */
final class ColdStormBench {

    private final Path root;
    private final List<Integer> bursts;

    ColdStormBench(Path root, List<Integer> bursts) {
        this.root = root;
        this.bursts = bursts;
    }

    String run() {
        StringBuilder table = new StringBuilder("""
                | new apps at once | spares | answered | failed (codes) | p50 | p99 | max | new sandboxes/s |
                |---:|---:|---:|---|---:|---:|---:|---:|
                """);
        for (int apps : bursts) {
            for (int spares : List.of(1, 3)) {
                table.append(burst(apps, spares));
            }
        }
        return table.toString();
    }

    private String burst(int apps, int spares) {
        Path jar = Bench.exampleJar(root, "hello");
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_093, spares, List.of())) {
            for (int i = 0; i < apps; i++) {
                node.deploy(Jars.withManifest(jar, "app: storm" + i + "\nfunctions:\n  hello: {handler: dev.skyfn.examples.hello.Hello, memory: 128}\n"));
            }
            node.awaitSpare(128);
            long start = System.nanoTime();
            List<CompletableFuture<double[]>> calls = new ArrayList<>();
            for (int i = 0; i < apps; i++) {
                String app = "storm" + i;
                calls.add(CompletableFuture.supplyAsync(() -> {
                    long t = System.nanoTime();
                    MiniHttp.Response res = node.invoke(app, "hello", "storm");
                    return new double[] {(System.nanoTime() - t) / 1e6, res.status()};
                }, Thread.ofVirtual()::start));
            }
            List<Double> answered = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (CompletableFuture<double[]> call : calls) {
                double[] r = call.join();
                if (r[1] == 200) {
                    answered.add(r[0]);
                } else {
                    failed.add(String.valueOf((int) r[1]));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Double> all = new ArrayList<>(answered);
            return String.format("| %d | %d | %d | %s | %.0f ms | %.0f ms | %.0f ms | %.1f |%n", apps, spares, answered.size(),
                    failed.isEmpty() ? "0" : failed.size() + " (" + String.join(", ", failed.stream().distinct().toList()) + ")",
                    all.isEmpty() ? 0 : Stats.median(all), all.isEmpty() ? 0 : Stats.percentile(all, 99),
                    all.isEmpty() ? 0 : all.stream().mapToDouble(Double::doubleValue).max().orElse(0), apps / seconds);
        }
    }
}
