package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One round of warm calls to the hello app's no-op on a node started with some options (on CPU
 * 0, wrk on CPU 1): 5 s of warm-up at 64 connections, then {@code measure} at 1 and at 64.
 * What benches that set one node option against another compare, round after round.
 */
record WarmRound(Wrk.Result one, Wrk.Result many) {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();

    static WarmRound run(Path root, int port, Duration measure, List<String> options) {
        try (SkyfnProcess node = SkyfnProcess.start(root, "0", port, 0, List.of(), options.toArray(String[]::new))) {
            node.deploy(Bench.example(root, "hello"));
            if (node.invoke("hello", "noop", "x").status() != 200) {
                throw new IllegalStateException("noop does not answer");
            }
            String url = "http://127.0.0.1:" + node.port + PATH;
            Wrk.run("1", url, 64, Duration.ofSeconds(5), BODY);
            return new WarmRound(Wrk.run("1", url, 1, measure, BODY), Wrk.run("1", url, 64, measure, BODY));
        }
    }

    /** The median over {@code rounds} of {@code metric} at 64 connections ({@code many}) or at 1. */
    static double median(List<WarmRound> rounds, boolean many, ToDoubleFunction<Wrk.Result> metric) {
        return Stats.median(rounds.stream().map(r -> metric.applyAsDouble(many ? r.many() : r.one())).toList());
    }
}
