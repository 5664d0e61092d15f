package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What metering costs warm calls: the same node, node on CPU 0 and wrk on CPU 1, with every call's
 * usage record written to the ledger; the same without its sandboxes reading calls' CPU time
 * ({@code -Dskyfn.meterCpu=false}: the records alone); and with {@code --no-metering}. Rounds
 * alternate, medians.
 */
final class MeteringBench {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();

    private final Path root;
    private final int rounds;
    private final Duration measure;

    MeteringBench(Path root, int rounds, Duration measure) {
        this.root = root;
        this.rounds = rounds;
        this.measure = measure;
    }

    private record Round(Wrk.Result one, Wrk.Result many) {
    }

    private static final List<String> ON = List.of();
    private static final List<String> RECORDS_ONLY = List.of("--sandbox-jvm-option=-Dskyfn.meterCpu=false");
    private static final List<String> OFF = List.of("--no-metering");

    String run() {
        List<Round> on = new ArrayList<>();
        List<Round> records = new ArrayList<>();
        List<Round> off = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            on.add(round(ON));
            records.add(round(RECORDS_ONLY));
            off.add(round(OFF));
            System.err.printf("round %d: metering on %.0f req/s, records without CPU time %.0f req/s, off %.0f req/s%n", r + 1,
                    on.getLast().many().requestsPerSecond(), records.getLast().many().requestsPerSecond(), off.getLast().many().requestsPerSecond());
        }
        var out = new StringBuilder("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            ToDoubleFunction<Round> rps = x -> (many ? x.many() : x.one()).requestsPerSecond();
            ToDoubleFunction<Round> p50 = x -> (many ? x.many() : x.one()).p50Micros();
            ToDoubleFunction<Round> p99 = x -> (many ? x.many() : x.one()).p99Micros();
            String conns = many ? "64" : "1";
            out.append(String.format("| %s | metering on | %,.0f | %.0f µs | %.0f µs |%n", conns, median(on, rps), median(on, p50), median(on, p99)));
            out.append(String.format("| %s | records, no CPU time read | %,.0f | %.0f µs | %.0f µs |%n", conns, median(records, rps),
                    median(records, p50), median(records, p99)));
            out.append(String.format("| %s | `--no-metering` | %,.0f | %.0f µs | %.0f µs |%n", conns, median(off, rps), median(off, p50),
                    median(off, p99)));
            out.append(String.format("| %s | **on / off** | **%.1f%%** | %+.0f µs | %+.0f µs |%n", conns, 100 * median(on, rps) / median(off, rps),
                    median(on, p50) - median(off, p50), median(on, p99) - median(off, p99)));
        }
        out.append(String.format("%nPer round, 64 connections (req/s): on %s; records only %s; off %s.%n",
                Stats.list(on.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(records.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(off.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f")));
        return out.toString();
    }

    private Round round(List<String> options) {
        try (SkyfnProcess node = SkyfnProcess.start(root, "0", 18_092, 0, List.of(), options.toArray(String[]::new))) {
            node.deploy(Bench.example(root, "hello"));
            if (node.invoke("hello", "noop", "x").status() != 200) {
                throw new IllegalStateException("noop does not answer");
            }
            String url = "http://127.0.0.1:" + node.port + PATH;
            Wrk.run("1", url, 64, Duration.ofSeconds(5), BODY);
            return new Round(Wrk.run("1", url, 1, measure, BODY), Wrk.run("1", url, 64, measure, BODY));
        }
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> metric) {
        return Stats.median(rounds.stream().map(metric::applyAsDouble).toList());
    }
}
