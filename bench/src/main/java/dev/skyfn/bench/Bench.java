package dev.skyfn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Runs the end-to-end benchmarks and prints their tables as Markdown, for docs/PERFORMANCE.md.
 *
 * <p>Run with {@code bench/run [http] [cold] [density] [fleet] [cli] ...} (all by default), after {@code ./mvnw package}.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) {
        Path root = Path.of(System.getProperty("skyfn.root", ".")).toAbsolutePath().normalize();
        Set<String> which = args.length == 0 ? Set.of("http", "cold", "density", "interaction", "workflow", "pipeline", "fleet", "verify", "cli") : Set.of(args);
        int rounds = Integer.getInteger("rounds", 3);
        var out = new StringBuilder();
        out.append("Measured ").append(LocalDate.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs, ").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version()).append(".\n\n");
        if (which.contains("http")) {
            out.append("### Warm invocation over HTTP\n\n")
                    .append(new HttpInvokeBench(root, rounds, Duration.ofSeconds(Integer.getInteger("seconds", 10)),
                            System.getProperty("springPeer", "").isEmpty() ? null : Path.of(System.getProperty("springPeer"))).run()).append('\n');
        }
        if (which.contains("coldstorm")) {
            List<Integer> bursts = Arrays.stream(System.getProperty("bursts", "10,30,60").split(",")).map(Integer::valueOf).toList();
            out.append("### Cold-start storms\n\n").append(new ColdStormBench(root, bursts).run()).append('\n');
        }
        if (which.contains("cost")) {
            out.append("### Cost across clouds\n\n").append(new CostBench(root, Duration.ofMinutes(Integer.getInteger("minutes", 60)),
                    Double.parseDouble(System.getProperty("timeScale", "0.1"))).run(Boolean.getBoolean("quick"))).append('\n');
        }
        if (which.contains("migrate")) {
            out.append("### Live migration\n\n").append(new MigrateBench(root, Integer.getInteger("rounds", 3)).run()).append('\n');
        }
        if (which.contains("hedge")) {
            out.append("### Stragglers\n\n").append(new HedgeBench(root, Duration.ofSeconds(Integer.getInteger("seconds", 20))).run())
                    .append('\n');
        }
        if (which.contains("preempt")) {
            out.append("### Spot preemptions\n\n").append(new PreemptBench(root, Integer.getInteger("preemptions", 20),
                    Duration.ofSeconds(Integer.getInteger("every", 30)), Duration.ofSeconds(Integer.getInteger("notice", 30))).run()).append('\n');
        }
        if (which.contains("batch")) {
            out.append("### Online before batch\n\n").append(new BatchBench(root, rounds, Duration.ofSeconds(Integer.getInteger("seconds", 10))).run())
                    .append('\n');
        }
        if (which.contains("events")) {
            out.append("### Events\n\n").append(new EventsBench(root, Integer.getInteger("events", 1_000),
                    Integer.getInteger("load", 5_000)).run()).append('\n');
        }
        if (which.contains("events-latency")) {
            out.append("### Event → function latency\n\n").append(new EventsBench(root, Integer.getInteger("events", 1_000), 0).runLatency())
                    .append('\n');
        }
        if (which.contains("alloc")) {
            out.append("### Allocation per warm call\n\n").append(new AllocBench(root, Duration.ofSeconds(Integer.getInteger("seconds", 10))).run())
                    .append('\n');
        }
        if (which.contains("metering")) {
            out.append("### Metering, warm\n\n")
                    .append(new MeteringBench(root, rounds, Duration.ofSeconds(Integer.getInteger("seconds", 10))).run()).append('\n');
        }
        if (which.contains("tracing")) {
            out.append("### Tracing, warm\n\n")
                    .append(new TracingBench(root, rounds, Duration.ofSeconds(Integer.getInteger("seconds", 10))).run()).append('\n');
        }
        if (which.contains("tracing-paired") || which.contains("metering-paired")) {
            int pairs = Integer.getInteger("pairs", 20);
            Duration seconds = Duration.ofSeconds(Integer.getInteger("seconds", 10));
            Duration warmUp = Duration.ofSeconds(40);
            if (which.contains("tracing-paired")) {
                // spans exported, as in the tracing bench, to a collector in this process that takes and drops them
                var sink = TracingBench.sink(new java.util.concurrent.atomic.AtomicLong(), new java.util.concurrent.atomic.AtomicLong());
                try {
                    var on = new PairedBench.Variant("tracing on, 1% kept", List.of("--otlp-endpoint",
                            "http://127.0.0.1:" + sink.getAddress().getPort(), "--trace-sampling", "0.01"));
                    out.append("### Tracing, paired runs\n\n").append(new PairedBench(root, new PairedBench.Variant("tracing off", List.of()),
                            on, pairs, seconds, warmUp).run()).append('\n');
                } finally {
                    sink.stop(0);
                }
            }
            if (which.contains("metering-paired")) {
                var off = new PairedBench.Variant("--no-metering", List.of("--no-metering"));
                out.append("### Metering, paired runs\n\n").append(new PairedBench(root, off, new PairedBench.Variant("metering on", List.of()),
                        pairs, seconds, warmUp).run()).append('\n');
            }
        }
        if (which.contains("usefulwork")) {
            out.append("### Useful-work metering\n\n").append(new UsefulWorkBench(root, Integer.getInteger("runs", 30)).run()).append('\n');
        }
        if (which.contains("ledger")) {
            out.append("### The usage ledger\n\n").append(new LedgerBench(Integer.getInteger("records", 1_000_000)).run()).append('\n');
        }
        if (which.contains("cold")) {
            out.append("### Cold start\n\n").append(new ColdStartBench(root, Integer.getInteger("samples", 20)).run()).append('\n');
        }
        if (which.contains("interaction")) {
            out.append("### Function-to-function calls\n\n")
                    .append(new InteractionBench(root, Integer.getInteger("calls", 20_000)).run()).append('\n');
        }
        if (which.contains("workflow")) {
            out.append("### Workflows\n\n").append(new WorkflowBench(root, Integer.getInteger("chains", 500)).run()).append('\n');
        }
        if (which.contains("pipeline")) {
            out.append("### Image pipeline\n\n").append(new PipelineBench(root, Integer.getInteger("pipelines", 30)).run()).append('\n');
        }
        if (which.contains("fleet")) {
            out.append("### A fleet: calls between nodes, throughput with 1–3 nodes\n\n")
                    .append(new FleetBench(root, Integer.getInteger("calls", 2_000), Duration.ofSeconds(Integer.getInteger("seconds", 10))).run())
                    .append('\n');
        }
        if (which.contains("verify")) {
            out.append("### Verified results\n\n")
                    .append(new VerifyBench(root, Integer.getInteger("calls", 2_000), Duration.ofSeconds(Integer.getInteger("seconds", 10))).run())
                    .append('\n');
        }
        if (which.contains("cli")) {
            out.append("### The command line's start\n\n").append(new CliStartBench(root, Integer.getInteger("runs", 10)).run()).append('\n');
        }
        if (which.contains("density")) {
            out.append("### Density\n\n").append(new DensityBench(root).run()).append('\n');
        }
        System.out.println(out);
    }

    /** The bench module's own class path: its jar and libraries. */
    static String classpath(Path root) {
        Path target = root.resolve("bench/target");
        try (var libs = Files.list(target.resolve("lib"))) {
            List<String> entries = new java.util.ArrayList<>();
            entries.add(target.resolve("skyfn-bench-0.1.0-SNAPSHOT.jar").toString());
            libs.map(Path::toString).sorted().forEach(entries::add);
            return String.join(":", entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path exampleJar(Path root, String name) {
        Path jar = root.resolve("examples").resolve(name).resolve("target").resolve(name + ".jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -DskipTests package first");
        }
        return jar;
    }

    static byte[] example(Path root, String name) {
        try {
            return Files.readAllBytes(exampleJar(root, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
