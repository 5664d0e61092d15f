package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What metering costs warm calls: the same node, node on CPU 0 and wrk on CPU 1, with every call's
 * usage record written to the ledger; the same without its sandboxes reading calls' CPU time
 * ({@code -Dskyfn.meterCpu=false}: the records alone); and with {@code --no-metering}. Rounds
 * alternate, medians.
 */
final class MeteringBench {

    private final Path root;
    private final int rounds;
    private final Duration measure;

    MeteringBench(Path root, int rounds, Duration measure) {
        this.root = root;
        this.rounds = rounds;
        this.measure = measure;
    }

    private static final List<String> ON = List.of();
    private static final List<String> RECORDS_ONLY = List.of("--sandbox-jvm-option=-Dskyfn.meterCpu=false");
    private static final List<String> OFF = List.of("--no-metering");

    String run() {
        List<WarmRound> on = new ArrayList<>();
        List<WarmRound> records = new ArrayList<>();
        List<WarmRound> off = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            on.add(round(ON));
            records.add(round(RECORDS_ONLY));
            off.add(round(OFF));
            System.err.printf("round %d: metering on %.0f req/s (%.1f µs CPU a call paced), records without CPU time %.0f req/s (%.1f µs),"
                            + " off %.0f req/s (%.1f µs)%n", r + 1, on.getLast().many().requestsPerSecond(), on.getLast().cpuMicrosPerCall(),
                    records.getLast().many().requestsPerSecond(), records.getLast().cpuMicrosPerCall(),
                    off.getLast().many().requestsPerSecond(), off.getLast().cpuMicrosPerCall());
        }
        var offRows = new WarmRound.Variant("`--no-metering`", off);
        var variants = List.of(new WarmRound.Variant("metering on", on), new WarmRound.Variant("records, no CPU time read", records), offRows);
        var out = new StringBuilder(WarmRound.table(variants, offRows, "off"));
        out.append('\n').append(WarmRound.cpuTable(variants, offRows, "off"));
        out.append(String.format("%nPer round, 64 connections (req/s): on %s; records only %s; off %s.%n",
                Stats.list(on.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(records.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(off.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f")));
        return out.toString();
    }

    private WarmRound round(List<String> options) {
        return WarmRound.run(root, 18_092, measure, options);
    }
}
