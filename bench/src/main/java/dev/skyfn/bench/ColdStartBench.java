package dev.skyfn.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The first response of a newly deployed app, loaded into a pre-booted sandbox, against the limit:
 * a bare JVM that loads the same jar and answers once; with sandboxes confined (bubblewrap
 * namespaces, a network stack of their own) and, in the same run, without; and confined, from a
 * spare booted with a larger heap than the app's and fitted to it (cgroups), beside what an idle
 * spare of each heap holds in memory.
 */
final class ColdStartBench {

    private final Path root;
    private final int samples;

    ColdStartBench(Path root, int samples) {
        this.root = root;
        this.samples = samples;
    }

    /** The apps' heap, MiB: the default, which a node's spares have from its start. */
    private static final int APP_HEAP_MB = 256;
    /** The heap of the larger spares the fitted run's apps are served from, MiB. */
    private static final int LARGE_SPARE_MB = 2048;

    private String boots = "";
    /** What the run's idle spare held before the first call, MiB of proportional set size. */
    private double sparePssMb;

    String run() {
        List<Double> confined = skyfn(true, APP_HEAP_MB);
        String confinedBoots = boots;
        double smallSpareMb = sparePssMb;
        List<Double> fitted = skyfn(true, LARGE_SPARE_MB);
        double largeSpareMb = sparePssMb;
        List<Double> unconfined = skyfn(false, APP_HEAP_MB);
        String unconfinedBoots = boots;
        List<Double> bare = bare();
        double confinedMedian = Stats.median(confined);
        double unconfinedMedian = Stats.median(unconfined);
        double bareMedian = Stats.median(bare);
        return String.format("""
                | | samples | median | p99 (max) |
                |---|---:|---:|---:|
                | bare `java -cp hello.jar` answering once | %d | %.1f ms | %.1f ms |
                | skyfn, sandboxes confined: first call of a new app (pre-booted sandbox) | %d | %.1f ms | %.1f ms |
                | skyfn, sandboxes not confined: the same | %d | %.1f ms | %.1f ms |
                | skyfn, confined, the app of %d MiB served by a spare of %d MiB fitted to it | %d | %.1f ms | %.1f ms |
                | **bare / skyfn confined** | | **×%.1f** | |
                | **confined / not confined** | | **×%.2f** | |
                | **fitted / exact spare** | | **×%.2f** | |

                An idle spare holds %.1f MiB (proportional set size) with a heap of %d MiB, %.1f MiB with %d MiB.

                Confined samples (ms): %s

                Fitted (ms): %s

                Not confined (ms): %s

                Booting a spare sandbox (JVM start, its own warm-up, ready; off the request path): confined, %s
                not confined, %s
                """, bare.size(), bareMedian, Stats.percentile(bare, 99), confined.size(), confinedMedian,
                Stats.percentile(confined, 99), unconfined.size(), unconfinedMedian, Stats.percentile(unconfined, 99),
                APP_HEAP_MB, LARGE_SPARE_MB, fitted.size(), Stats.median(fitted), Stats.percentile(fitted, 99),
                bareMedian / confinedMedian, confinedMedian / unconfinedMedian, Stats.median(fitted) / confinedMedian,
                smallSpareMb, APP_HEAP_MB, largeSpareMb, LARGE_SPARE_MB, Stats.list(confined, "%.1f"), Stats.list(fitted, "%.1f"),
                Stats.list(unconfined, "%.1f"), confinedBoots, unconfinedBoots);
    }

    /**
     * Cold starts of apps of {@link #APP_HEAP_MB} from spares of {@code spareHeapMb}: a larger heap is asked for first by an app
     * that is never called, on a node that fits spares ({@code --fit-spares}).
     */
    private List<Double> skyfn(boolean confined, int spareHeapMb) {
        Path jar = Bench.exampleJar(root, "hello");
        List<Double> ms = new ArrayList<>();
        String[] options = spareHeapMb != APP_HEAP_MB ? new String[] {"--fit-spares"} : new String[0];
        try (SkyfnProcess node = confined ? SkyfnProcess.start(root, null, 18_092, 1, List.of(), options)
                : SkyfnProcess.startUnconfined(root, null, 18_092, 1, List.of(), options)) {
            if (spareHeapMb != APP_HEAP_MB) {
                node.deploy(Jars.withManifest(jar, "app: large\nfunctions:\n  hello: {handler: dev.skyfn.examples.hello.Hello, memory: "
                        + spareHeapMb + "}\n"));
            }
            node.awaitSpare(spareHeapMb);
            sparePssMb = ColdStormBench.onlySparePssMb(node.node().get("pid").asLong());
            for (int i = 0; i < samples + 2; i++) {
                String app = "cold" + i;
                node.deploy(Jars.withManifest(jar, "app: " + app + "\nfunctions:\n  hello: {handler: dev.skyfn.examples.hello.Hello, memory: " + APP_HEAP_MB + "}\n"));
                node.awaitSpare(spareHeapMb);
                long start = System.nanoTime();
                MiniHttp.Response res = node.invoke(app, "hello", "cold");
                double took = (System.nanoTime() - start) / 1e6;
                if (res.status() != 200 || !res.headers().contains("X-Skyfn-Cold-Start: true")) {
                    throw new IllegalStateException("not a cold start: " + res.headers() + res.text());
                }
                if (i >= 2) { // the first two warm up the node's own request path
                    ms.add(took);
                }
                MiniHttp.send(node.port, "DELETE", "/v1/apps/" + app, new byte[0], "text/plain");
            }
            boots = boots(MiniHttp.send(node.port, "GET", "/metrics", new byte[0], "text/plain").text());
        }
        return ms;
    }

    /** Mean sandbox boot time from the node's metrics, with and without the AOT cache, with and without the warm-up. */
    private static String boots(String metrics) {
        List<String> parts = new ArrayList<>();
        for (String aot : List.of("false", "true")) {
            for (String warm : List.of("true", "false")) {
                String labels = "{aot_cache=\"" + aot + "\",warm_up=\"" + warm + "\"}";
                double sum = metric(metrics, "skyfn_sandbox_boot_seconds_sum" + labels);
                double count = metric(metrics, "skyfn_sandbox_boot_seconds_count" + labels);
                if (count > 0) {
                    parts.add(String.format("%.0f ms mean over %d boots %s the AOT cache, %s", 1000 * sum / count, (int) count,
                            aot.equals("true") ? "with" : "without", warm.equals("true") ? "warmed up (spares)" : "cold (for a waiting call)"));
                }
            }
        }
        return String.join("; ", parts) + ".";
    }

    /** The value of the Prometheus sample {@code name} (labels included, as the node writes them), or 0. */
    static double metric(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    private List<Double> bare() {
        String cp = Bench.exampleJar(root, "hello") + ":" + Bench.classpath(root);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            String out = Procs.run(List.of(Procs.JAVA.toString(), "-cp", cp, AnswerOnce.class.getName(),
                    "dev.skyfn.examples.hello.Hello", "cold"), java.time.Duration.ofSeconds(30));
            ms.add((System.nanoTime() - start) / 1e6);
            if (!out.contains("Hello, cold!")) {
                throw new IllegalStateException("the bare JVM answered: " + out);
            }
        }
        return ms;
    }
}
