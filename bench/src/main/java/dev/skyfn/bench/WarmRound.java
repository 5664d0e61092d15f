package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One round of warm calls to the hello app's no-op on a node started with some options (on CPU
 * 0, wrk on CPU 1): a warm-up at 64 connections (5 s unless said), then {@code measure} at 1 and
 * at 64, flat out, then {@code measure} paced below the node's limit, where the CPU time the node
 * and its sandboxes used ({@link CpuTime}: the calls', and the JIT compilers' apart) is divided by
 * the calls answered. What benches that set one node option against another compare,
 * round after round. Throughput flat out on one CPU varies by ±12% between runs of the same node
 * on this kind of machine; CPU time per call at a fixed load tells a few percent apart.
 */
record WarmRound(Wrk.Result one, Wrk.Result many, double cpuMicrosPerCall, double jitMicrosPerCall) {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();
    /** The paced load: 8 connections, each waiting 1 ms before each call — about 6,000 calls a second, a quarter of the node's CPU. */
    static final int PACED_CONNECTIONS = 8;
    static final int PACED_PAUSE_MS = 1;

    static WarmRound run(Path root, int port, Duration measure, List<String> options) {
        return run(root, port, Duration.ofSeconds(5), measure, options);
    }

    static WarmRound run(Path root, int port, Duration warmUp, Duration measure, List<String> options) {
        try (SkyfnProcess node = SkyfnProcess.start(root, "0", port, 0, List.of(), options.toArray(String[]::new))) {
            node.deploy(Bench.example(root, "hello"));
            if (node.invoke("hello", "noop", "x").status() != 200) {
                throw new IllegalStateException("noop does not answer");
            }
            String url = "http://127.0.0.1:" + node.port + PATH;
            Wrk.run("1", url, 64, warmUp, BODY);
            Wrk.Result one = Wrk.run("1", url, 1, measure, BODY);
            Wrk.Result many = Wrk.run("1", url, 64, measure, BODY);
            CpuTime before = CpuTime.of(node.process);
            Wrk.Result paced = Wrk.paced("1", url, PACED_CONNECTIONS, PACED_PAUSE_MS, measure, BODY);
            CpuTime used = CpuTime.of(node.process).minus(before);
            return new WarmRound(one, many, used.nanos() / 1000.0 / paced.requests(), used.jitNanos() / 1000.0 / paced.requests());
        }
    }

    /** Rounds run the same way, as a row of the table is named. */
    record Variant(String name, List<WarmRound> rounds) {
    }

    /**
     * The Markdown table of {@code variants}' medians (throughput, p50, p99) at 1 and at 64
     * connections, each followed by the ratio of every other variant to {@code baseline}, the row
     * named {@code "<variant> / <baseline label>"}.
     */
    static String table(List<Variant> variants, Variant baseline, String baselineLabel) {
        var out = new StringBuilder("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            String conns = many ? "64" : "1";
            for (Variant v : variants) {
                out.append(String.format("| %s | %s | %,.0f | %.0f µs | %.0f µs |%n", conns, v.name(), median(v.rounds(), many, Wrk.Result::requestsPerSecond),
                        median(v.rounds(), many, Wrk.Result::p50Micros), median(v.rounds(), many, Wrk.Result::p99Micros)));
            }
            for (Variant v : variants) {
                if (v == baseline) {
                    continue;
                }
                out.append(String.format("| %s | **%s / %s** | **%.1f%%** | %+.0f µs | %+.0f µs |%n", conns, v.name(), baselineLabel,
                        100 * median(v.rounds(), many, Wrk.Result::requestsPerSecond) / median(baseline.rounds(), many, Wrk.Result::requestsPerSecond),
                        median(v.rounds(), many, Wrk.Result::p50Micros) - median(baseline.rounds(), many, Wrk.Result::p50Micros),
                        median(v.rounds(), many, Wrk.Result::p99Micros) - median(baseline.rounds(), many, Wrk.Result::p99Micros)));
            }
        }
        return out.toString();
    }

    /**
     * The Markdown table of {@code variants}' median CPU time per call under the paced load, each
     * followed by its ratio to {@code baseline}'s.
     */
    static String cpuTable(List<Variant> variants, Variant baseline, String baselineLabel) {
        var out = new StringBuilder(String.format("| CPU per call, node and sandbox, %d connections %d ms apart (JIT compilers apart) | µs | per round | JIT compilers, µs |%n"
                + "|---|---:|---|---:|%n", PACED_CONNECTIONS, PACED_PAUSE_MS));
        double base = median(baseline.rounds(), WarmRound::cpuMicrosPerCall);
        for (Variant v : variants) {
            out.append(String.format("| %s | %.1f | %s | %.1f |%n", v.name(), median(v.rounds(), WarmRound::cpuMicrosPerCall),
                    Stats.list(v.rounds().stream().map(WarmRound::cpuMicrosPerCall).toList(), "%.1f"),
                    median(v.rounds(), WarmRound::jitMicrosPerCall)));
        }
        for (Variant v : variants) {
            if (v != baseline) {
                out.append(String.format("| **%s / %s** | **%+.1f%%** | | |%n", v.name(), baselineLabel,
                        100 * (median(v.rounds(), WarmRound::cpuMicrosPerCall) / base - 1)));
            }
        }
        return out.toString();
    }

    private static double median(List<WarmRound> rounds, ToDoubleFunction<WarmRound> metric) {
        return Stats.median(rounds.stream().map(metric::applyAsDouble).toList());
    }

    /** The median over {@code rounds} of {@code metric} at 64 connections ({@code many}) or at 1. */
    static double median(List<WarmRound> rounds, boolean many, ToDoubleFunction<Wrk.Result> metric) {
        return Stats.median(rounds.stream().map(r -> metric.applyAsDouble(many ? r.many() : r.one())).toList());
    }
}
