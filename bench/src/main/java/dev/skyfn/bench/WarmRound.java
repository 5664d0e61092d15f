package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One round of warm calls to the hello app's no-op on a node started with some options (on CPU
 * 0, wrk on CPU 1): a warm-up at 64 connections (5 s unless said), then {@code measure} at 1 and at 64.
 * What benches that set one node option against another compare, round after round.
 */
record WarmRound(Wrk.Result one, Wrk.Result many) {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();

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
            return new WarmRound(Wrk.run("1", url, 1, measure, BODY), Wrk.run("1", url, 64, measure, BODY));
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

    /** The median over {@code rounds} of {@code metric} at 64 connections ({@code many}) or at 1. */
    static double median(List<WarmRound> rounds, boolean many, ToDoubleFunction<Wrk.Result> metric) {
        return Stats.median(rounds.stream().map(r -> metric.applyAsDouble(many ? r.many() : r.one())).toList());
    }
}
