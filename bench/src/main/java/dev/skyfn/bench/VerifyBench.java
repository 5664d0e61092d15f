package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * What {@code verify: redundant} costs: the same no-op function, once plain and once verified
 * (run on two providers' nodes, results compared), called through the same gateway of a fleet of
 * two clouds on this machine — one call at a time for latency, then wrk for throughput.
 */
final class VerifyBench {

    private static final String TOPOLOGY = """
            clouds:
              a: {provider: aws, region: here, pricing: {model: on-demand}, nodes: {a1: {cpus: 2, memory: 4096}}}
              b: {provider: gcp, region: here, pricing: {model: on-demand}, nodes: {b1: {cpus: 2, memory: 4096}}}
            users:
              here: {a: 1, b: 1}
            latency:
              a: {b: 1}
            """;

    private final Path root;
    private final int calls;
    private final Duration seconds;

    VerifyBench(Path root, int calls, Duration seconds) {
        this.root = root;
        this.calls = calls;
        this.seconds = seconds;
    }

    String run() {
        try (BenchFleet fleet = BenchFleet.start(root, TOPOLOGY)) {
            int port = fleet.port("a1");
            for (String app : new String[] {"plain", "verified"}) {
                fleet.send(port, "POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), "app: " + app + "\n"
                        + "placement: {scheduling: duplicated, spread: {minClouds: 2}}\n"
                        + "functions:\n  noop: {handler: dev.skyfn.examples.hello.Noop, memory: 128, concurrency: 1000, queue: 10000"
                        + (app.equals("verified") ? ", verify: redundant" : "") + "}\n"));
            }
            Histogram plain = new Histogram(3);
            Histogram verified = new Histogram(3);
            for (int round = 0; round < 4; round++) {
                boolean record = round > 0;
                time(fleet, port, "plain", record ? plain : null);
                time(fleet, port, "verified", record ? verified : null);
            }
            Wrk.Result plainRps = Wrk.run("0-1", url(port, "plain"), 32, seconds, new byte[] {'x'});
            Wrk.Result verifiedRps = Wrk.run("0-1", url(port, "verified"), 32, seconds, new byte[] {'x'});
            return String.format("""
                    | no-op through a1's gateway | p50 | p99 | throughput, 32 connections |
                    |---|---:|---:|---:|
                    | plain (runs on a1) | %.0f µs | %.0f µs | %,.0f req/s |
                    | `verify: redundant` (a1 and b1, results compared) | %.0f µs | %.0f µs | %,.0f req/s |
                    | **verified / plain** | **%+.0f µs** | %+.0f µs | **%.0f%%** |

                    %d calls of each, one at a time, after a warm-up round; then wrk -t1 -c32 for %d s each. Both nodes share
                    this machine's %d CPUs, so the second run's compute competes with the first's: a verified call costs twice
                    the compute (two sandboxes run it) and waits for the slower of the two answers plus one NATS round trip.
                    """, p50(plain), p99(plain), plainRps.requestsPerSecond(), p50(verified), p99(verified),
                    verifiedRps.requestsPerSecond(), p50(verified) - p50(plain), p99(verified) - p99(plain),
                    100 * verifiedRps.requestsPerSecond() / plainRps.requestsPerSecond(), calls * 3, seconds.toSeconds(),
                    Runtime.getRuntime().availableProcessors());
        }
    }

    private void time(BenchFleet fleet, int port, String app, Histogram into) {
        String path = "/v1/apps/" + app + "/functions/noop:invoke";
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            fleet.send(port, "POST", path, new byte[] {'x'});
            if (into != null) {
                into.recordValue(System.nanoTime() - start);
            }
        }
    }

    private static String url(int port, String app) {
        return "http://127.0.0.1:" + port + "/v1/apps/" + app + "/functions/noop:invoke";
    }

    private static double p50(Histogram h) {
        return h.getValueAtPercentile(50) / 1000.0;
    }

    private static double p99(Histogram h) {
        return h.getValueAtPercentile(99) / 1000.0;
    }
}
