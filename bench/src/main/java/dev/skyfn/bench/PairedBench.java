package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two variants of one node side by side, both running and warm for the whole run: the same node
 * started with two sets of options (tracing off and on, metering on and off), each with the hello
 * app, both on CPU 0 and wrk on CPU 1. Flat-out runs at 64 connections alternate between them
 * (A B, then B A, …), and each pair's ratio B / A is taken from two runs seconds apart, on the same
 * JIT-compiled code; the median of the pairs' ratios is what is reported. Rounds that each start a
 * node afresh (as {@link WarmRound}) put the machine's drift — the same node's throughput moves by
 * ±12% between runs a minute apart here — and each node's own JIT into the ratio; pairs of runs on
 * two warm nodes leave mostly the variants' difference. The node not loaded idles beside the one
 * that is, in both orders alike.
 */
final class PairedBench {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();

    /** A node's options, as a row is named. */
    record Variant(String name, List<String> options) {
    }

    private final Path root;
    private final Variant a;
    private final Variant b;
    private final int pairs;
    private final Duration measure;
    private final Duration warmUp;

    PairedBench(Path root, Variant a, Variant b, int pairs, Duration measure, Duration warmUp) {
        this.root = root;
        this.a = a;
        this.b = b;
        this.pairs = pairs;
        this.measure = measure;
        this.warmUp = warmUp;
    }

    String run() {
        List<Double> aRates = new ArrayList<>();
        List<Double> bRates = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        try (SkyfnProcess nodeA = SkyfnProcess.start(root, "0", 18_111, 0, List.of(), a.options().toArray(String[]::new));
             SkyfnProcess nodeB = SkyfnProcess.start(root, "0", 18_112, 0, List.of(), b.options().toArray(String[]::new))) {
            String urlA = ready(root, nodeA);
            String urlB = ready(root, nodeB);
            // in turn, so that neither node's JIT works while the other is measured
            for (int i = 0; i < 2; i++) {
                Wrk.run("1", urlA, 64, warmUp.dividedBy(2), BODY);
                Wrk.run("1", urlB, 64, warmUp.dividedBy(2), BODY);
            }
            for (int p = 0; p < pairs; p++) {
                double rateA;
                double rateB;
                if (p % 2 == 0) {
                    rateA = Wrk.run("1", urlA, 64, measure, BODY).requestsPerSecond();
                    rateB = Wrk.run("1", urlB, 64, measure, BODY).requestsPerSecond();
                } else {
                    rateB = Wrk.run("1", urlB, 64, measure, BODY).requestsPerSecond();
                    rateA = Wrk.run("1", urlA, 64, measure, BODY).requestsPerSecond();
                }
                aRates.add(rateA);
                bRates.add(rateB);
                ratios.add(rateB / rateA);
                System.err.printf("pair %d: %s %.0f req/s, %s %.0f req/s, %.1f%%%n", p + 1, a.name(), rateA, b.name(), rateB, 100 * rateB / rateA);
            }
        }
        return report(aRates, bRates, ratios);
    }

    private static String ready(Path root, SkyfnProcess node) {
        node.deploy(Bench.example(root, "hello"));
        if (node.invoke("hello", "noop", "x").status() != 200) {
            throw new IllegalStateException("noop does not answer");
        }
        return "http://127.0.0.1:" + node.port + PATH;
    }

    private String report(List<Double> aRates, List<Double> bRates, List<Double> ratios) {
        long bBelow = ratios.stream().filter(r -> r < 1).count();
        return String.format("""
                        | 64 connections, %d pairs of %d s runs | throughput (req/s, median) |
                        |---|---:|
                        | %s | %.0f |
                        | %s | %.0f |
                        | **%s / %s, median of the pairs' ratios** | **%.1f%%** (quartiles %.1f%%, %.1f%%; %d of %d pairs below 100%%) |

                        Pairs' ratios: %s. Per run (req/s): %s %s; %s %s.
                        """, ratios.size(), measure.toSeconds(), a.name(), Stats.median(aRates), b.name(), Stats.median(bRates),
                b.name(), a.name(), 100 * Stats.median(ratios), 100 * Stats.percentile(ratios, 25), 100 * Stats.percentile(ratios, 75),
                bBelow, ratios.size(), Stats.list(ratios.stream().map(r -> 100 * r).toList(), "%.1f%%"), a.name(), Stats.list(aRates, "%.0f"),
                b.name(), Stats.list(bRates, "%.0f"));
    }
}
