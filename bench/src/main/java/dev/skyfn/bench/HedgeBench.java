package dev.skyfn.bench;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stragglers: of three nodes serving an app, the one gateways prefer answers a share of its calls
 * late (the hidden test fault {@code --fault-slow-calls}); the same load runs on a function
 * declared idempotent, whose late calls are hedged, and on one that is not — the peer's behaviour,
 * as no FaaS platform hedges a call. Reported: p50, p99, and the copies hedging sent (from the
 * nodes' own counts of the calls they ran). Four node processes on this machine, no WAN emulated.
 */
final class HedgeBench {

    private static final String TOPOLOGY = """
            clouds:
              gw: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {gw-1: {}}}
              work: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {w-1: {}, w-2: {}, w-3: {}}}
            users:
              here: {gw: 1, work: 1}
            latency:
              gw: {work: 1}
            """;
    private static final String SLOW = "0.1:200ms";
    private static final int CALLERS = 2;
    private static final String WORK_MS = "5";

    private final java.nio.file.Path root;
    private final Duration seconds;
    private final HttpClient http = HttpClient.newHttpClient();
    private BenchFleet fleet;

    HedgeBench(java.nio.file.Path root, Duration seconds) {
        this.root = root;
        this.seconds = seconds;
    }

    String run() {
        try (BenchFleet fleet = BenchFleet.start(root, TOPOLOGY, Map.of("w-1", List.of("--fault-slow-calls", SLOW)))) {
            this.fleet = fleet;
            fleet.send(fleet.port("gw-1"), "POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), """
                    app: straggle
                    placement: {replicas: 3, affinity: [{name: work, clouds: [work]}]}
                    functions:
                      hedged: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, idempotent: true, concurrency: 50}
                      plain: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, concurrency: 50}
                    """));
            load("hedged", Duration.ofSeconds(10)); // warm-up, and the function's p95 at the gateway
            load("plain", Duration.ofSeconds(10));
            var out = new StringBuilder("| function | calls | p50 ms | p99 ms | copies sent |\n|---|---|---|---|---|\n");
            List<Double> plain = row(out, "not idempotent: no hedge (as every FaaS platform)", "plain");
            List<Double> hedged = row(out, "`idempotent: true`: hedged at its p95", "hedged");
            return out.append(String.format("%np99 falls **%.1f×** (%.0f → %.0f ms). Node w-1, first in the gateway's ranking, "
                    + "answers 10%% of its calls 200 ms late (`--fault-slow-calls %s`); %d closed-loop callers through gw-1, each "
                    + "call %s ms of work, %d s per function.%n", Stats.percentile(plain, 99) / Stats.percentile(hedged, 99),
                    Stats.percentile(plain, 99), Stats.percentile(hedged, 99), SLOW, CALLERS, WORK_MS, seconds.toSeconds())).toString();
        }
    }

    private List<Double> row(StringBuilder out, String what, String function) {
        long before = runs(function);
        List<Double> took = load(function, seconds);
        long copies = runs(function) - before - took.size();
        out.append(String.format("| %s | %d | %.1f | %.1f | %d (%.1f%%) |%n", what, took.size(), Stats.percentile(took, 50),
                Stats.percentile(took, 99), copies, 100.0 * copies / took.size()));
        return took;
    }

    private List<Double> load(String function, Duration how) {
        var took = new ConcurrentLinkedQueue<Double>();
        long end = System.nanoTime() + how.toNanos();
        List<Thread> callers = new ArrayList<>();
        byte[] body = WORK_MS.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < CALLERS; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    BenchFleet.send(http, fleet.port("gw-1"), "POST", "/v1/apps/straggle/functions/" + function + ":invoke", body);
                    took.add((System.nanoTime() - start) / 1e6);
                }
            }));
        }
        for (Thread t : callers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new ArrayList<>(took);
    }

    /** The calls of {@code function} the work nodes ran, by their metrics. */
    private long runs(String function) {
        Pattern line = Pattern.compile("skyfn_invocations_total\\{[^}]*function=\"" + function + "\"[^}]*} ([0-9.E]+)");
        long runs = 0;
        for (String node : List.of("w-1", "w-2", "w-3")) {
            Matcher m = line.matcher(fleet.send(fleet.port(node), "GET", "/metrics", null));
            while (m.find()) {
                runs += (long) Double.parseDouble(m.group(1));
            }
        }
        return runs;
    }
}
