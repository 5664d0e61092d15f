package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a fleet costs for the same load and latency SLO under three policies, each run for real
 * on this machine in turn — {@code skyfn dev --topology} with its emulated clouds, real node
 * processes, real NATS, WAN latencies emulated — replaying one {@link CostTrace}:
 * <ol>
 *   <li>single-cloud on-demand, provisioned for the peak: as many listed nodes (one replica each)
 *       as the bursts need at the autoscaler's target;</li>
 *   <li>single-cloud on-demand with the autoscaler: one listed node, more acquired from the cloud
 *       as load asks;</li>
 *   <li>skyfn across the example topology's clouds and a serverless pool: the owned private cloud
 *       and edge site listed, pool, spot and on-demand nodes acquired as load asks, spot prices
 *       moving;</li>
 *   <li>the same, with as many replicas as the first policy held at all times ({@code min}): the
 *       peak's capacity held where it is cheapest, what a user who must meet the SLO in a burst
 *       that outruns every cloud's start-up does.</li>
 * </ol>
 * The skyfn policies also have their spot nodes taken back: a preemption of the spot market's
 * longest-running node every {@link #PREEMPT_EVERY} of the trace, each after the market's 2-minute
 * notice ({@code skyfn dev --preemptions}), the market then cooling down for 10 minutes.
 * Costs are each node's cloud price from the topology ($/vCPU-s and $/GiB-s, {@code Pricing#perNodeHour})
 * for the time it was held — for a pool's node, for the time it had calls in flight — in emulated time; the clouds' start-up times, the autoscaler's windows
 * and the release delay are compressed by the time scale with the trace.
 */
final class CostBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGION = "eu";
    /** skyfn's placement: anywhere within 100 ms of its users, by price. */
    private static final String NEAR_EU = "\nplacement: {require: {maxLatency: {from: eu, ms: 100}}}";
    /** What the example topology's clouds cost per second (four-clouds.yaml); every node here has 2 vCPUs and 4 GiB. */
    private static final double SPOT_GB = 0.0000050, SPOT_VCPU = 0.0000060;
    private static final String CLOUD_ONDEMAND = """
              ondemand-us:
                provider: gcp
                region: us-east1
                trust: untrusted
                startup: 20s
                maxNodes: %d
                pricing: {model: on-demand, gbSecond: 0.0000167, vcpuSecond: 0.0000240, request: 0.0000004, egressGb: 0.12}
            """;
    private static final int CPUS = 2, MEMORY_MB = 4096;
    /**
     * Node processes each cloud boots ahead ({@code skyfn dev --standby}): as many as a burst asks
     * for, so that a node's own JVM start on this machine does not add to its cloud's start-up time.
     */
    private static final int STANDBY = 5;
    /** How often the spot market takes a node back in the skyfn policies' runs, in the trace's time. */
    static final Duration PREEMPT_EVERY = Duration.ofMinutes(10);

    /** One way to run the app: its fleet, its manifest, and the node users call. */
    private record Policy(String name, String topology, String placement, String gateway, boolean prices) {
        /** How many of its clouds may give nodes beyond those listed. */
        int elasticClouds() {
            Topology t = TopologyReader.read(topology.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return (int) t.clouds().stream().filter(c -> !t.elasticNodes(c.name()).isEmpty()).count();
        }
    }

    private final Path root;
    private final CostTrace trace;
    private final double timeScale;
    private final Duration work;
    private final int target;
    private final double sloMs;
    private final HttpClient http = HttpClient.newHttpClient();

    CostBench(Path root, Duration length, double timeScale) {
        this.root = root;
        this.trace = new CostTrace(length, 4);
        this.timeScale = timeScale;
        this.work = Duration.ofMillis(200);
        this.target = 8;
        this.sloMs = 400;
    }

    String run(boolean quick) {
        int peakReplicas = (int) Math.ceil(trace.peakConcurrency() / target);
        List<Policy> policies = List.of(
                new Policy("on-demand, provisioned for the peak", onDemand(peakReplicas, peakReplicas), "placement: {replicas: " + peakReplicas + "}",
                        "ondemand-us-1", false),
                new Policy("on-demand, autoscaled", onDemand(1, 10), scaling(1), "ondemand-us-1", false),
                new Policy("skyfn across clouds", acrossClouds(), scaling(1) + NEAR_EU, "edge-paris-1", true),
                new Policy("skyfn across clouds, the peak held", acrossClouds(), scaling(peakReplicas) + NEAR_EU, "edge-paris-1", true));
        List<Result> results = new ArrayList<>();
        for (Policy p : quick ? policies.subList(1, policies.size()) : policies) {
            results.add(run(p));
        }
        // the first policy's nodes are all listed, held for the whole trace: its cost is known without running it
        return report(results, quick, quick ? listedUsd(policies.getFirst()) : results.getFirst().cost());
    }

    /**
     * The autoscaler as KPA's defaults have it, in the trace's time: a 60 s stable window (6 s
     * panic window), target 80% of the hard limit, no scale-down delay. (A delay of 2 minutes, as
     * KPA's documentation advises for bursty load, was measured: it kept nodes two minutes longer
     * after each burst, a third more cost, and met the SLO no more often.)
     */
    private String scaling(int min) {
        long window = Math.max(6_000, (long) (60_000 * timeScale));
        int max = (int) Math.ceil(trace.peakConcurrency() / target) + 1;
        return "scaling: {target: " + target + ", min: " + min + ", max: " + max + ", window: " + window + "ms}";
    }

    private static String onDemand(int listed, int maxNodes) {
        var nodes = new StringBuilder("    nodes:\n");
        for (int i = 1; i <= listed; i++) {
            nodes.append("      ondemand-us-").append(i).append(": {cpus: " + CPUS + ", memory: " + MEMORY_MB + "}\n");
        }
        return "clouds:\n" + CLOUD_ONDEMAND.formatted(maxNodes) + nodes + "users:\n  eu: {ondemand-us: 90}\nlatency: {}\n";
    }

    /**
     * The example topology's four clouds, the owned ones listed, the public ones elastic (none
     * listed), and a fifth: {@code run-eu}, a serverless container pool in Europe at Cloud Run's
     * request-based prices (Tier 1: $0.000024 per vCPU-second, $0.0000025 per GiB-second, billed
     * only while a node has calls in flight), whose nodes start in 5 s — the fast capacity a burst
     * is absorbed by while the cheap spot nodes boot.
     */
    private static String acrossClouds() {
        return """
                clouds:
                  edge-paris:
                    provider: private
                    region: paris
                    trust: trusted
                    edge: true
                    startup: 1s
                    maxNodes: 1
                    pricing: {model: owned, gbSecond: 0.0000030, vcpuSecond: 0.0000040}
                    nodes:
                      edge-paris-1: {cpus: 1, memory: 1024}
                  private:
                    provider: private
                    region: eu-central
                    trust: trusted
                    startup: 2m
                    maxNodes: 1
                    pricing: {model: owned, gbSecond: 0.0000020, vcpuSecond: 0.0000030}
                    nodes:
                      private-1: {cpus: 2, memory: 4096}
                  spot-eu:
                    provider: aws
                    region: eu-west-1
                    trust: untrusted
                    startup: 40s
                    maxNodes: 10
                    pricing: {model: spot, gbSecond: %s, vcpuSecond: %s, request: 0.0000002, egressGb: 0.09, preemptionNotice: 2m}
                  run-eu:
                    provider: gcp
                    region: europe-west1
                    trust: untrusted
                    startup: 5s
                    maxNodes: 10
                    pricing: {model: serverless, gbSecond: 0.0000025, vcpuSecond: 0.0000240, request: 0.0000004, egressGb: 0.12}
                """.formatted(SPOT_GB, SPOT_VCPU) + CLOUD_ONDEMAND.formatted(10) + """
                users:
                  eu: {spot-eu: 12, ondemand-us: 90, private: 18, edge-paris: 4, run-eu: 14}
                latency:
                  spot-eu: {ondemand-us: 80, private: 10, edge-paris: 12, run-eu: 18}
                  ondemand-us: {private: 90, edge-paris: 86, run-eu: 88}
                  private: {edge-paris: 15, run-eu: 10}
                  edge-paris: {run-eu: 12}
                """;
    }

    /**
     * What one policy gave.
     *
     * @param listedUsd  what its listed nodes cost over the run, US dollars
     * @param elasticUsd what its elastic nodes cost, US dollars
     * @param acquired   how many elastic nodes it acquired, by cloud
     * @param preempted  how many spot nodes the market took back during the run
     */
    private record Result(Policy policy, List<LoadReplay.Call> calls, int listed, double listedUsd, double elasticUsd,
                          Map<String, Integer> acquired, long preempted) {
        double cost() {
            return listedUsd + elasticUsd;
        }
    }

    private Result run(Policy p) {
        Path dir = temp();
        try {
            Path topology = Files.writeString(dir.resolve("topology.yaml"), p.topology());
            Path prices = Files.write(dir.resolve("prices.csv"), trace.priceTraceCsv("spot-eu", SPOT_GB, SPOT_VCPU));
            // the fleet starts, the app is deployed and warm before the trace's time 0, when its prices start to move
            Instant epoch = Instant.now().plus(Duration.ofSeconds(Long.getLong("lead", 150)));
            List<String> cmd = new ArrayList<>(List.of(Procs.JAVA.toString(), "-jar", root.resolve("skyfn-cli/target/skyfn.jar").toString(),
                    "dev", "--topology", topology.toString(), "--port", "0", "--data", dir.resolve("data").toString(),
                    "--time-scale", Double.toString(timeScale), "--release-after", (long) (60_000 * timeScale) + "ms",
                    "--standby", Integer.toString(STANDBY),
                    // a dozen node processes share this machine's 2 CPUs in a burst: a heartbeat late by seconds is no death
                    "--dead-after", "10s"));
            if (p.prices()) {
                Path preemptions = Files.write(dir.resolve("preemptions.csv"), preemptions());
                cmd.addAll(List.of("--prices", prices.toString(), "--prices-epoch", epoch.toString(), "--preemptions", preemptions.toString()));
            }
            System.err.println("cost: " + p.name() + ": starting the fleet (log in " + dir.resolve("fleet.log") + ")");
            Process fleet = Procs.start(null, dir.resolve("fleet.log"), cmd);
            try {
                int port = awaitUp(fleet, dir.resolve("fleet.log"), p.gateway());
                awaitStandby(dir.resolve("data/fleet"), p.elasticClouds() * STANDBY);
                String manifest = "app: shop\n" + p.placement() + "\nfunctions:\n  work: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, "
                        + "timeout: 60s, concurrency: 10, queue: 10000}\n";
                send(port, "POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), manifest));
                String url = "http://127.0.0.1:" + port + "/v1/apps/shop/functions/work:invoke";
                warm(port, url);
                if (p.prices()) {
                    Procs.sleep(Duration.between(Instant.now(), epoch));
                }
                System.err.println("cost: " + p.name() + ": replaying " + trace.length().toMinutes() + " emulated minutes");
                List<LoadReplay.Call> calls = new LoadReplay(trace, timeScale, work).run(url, REGION, 42);
                // every call, to look into what the table sums up
                Files.write(dir.resolve("calls.csv"), calls.stream().map(c -> String.format(Locale.ROOT, "%.2f,%.1f,%d,%s,%s",
                        c.at(), c.ms(), c.status(), c.node(), c.error())).toList());
                JsonNode nodes = JSON.readTree(send(port, "GET", "/v1/nodes", null));
                long preempted = Files.readString(dir.resolve("fleet.log")).lines()
                        .filter(l -> l.contains("EmulatedClouds") && l.contains(" preempts node ")).count();
                return result(p, calls, nodes, preempted);
            } finally {
                Procs.stop(fleet);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The spot market takes back its longest-running node every {@link #PREEMPT_EVERY}, from half of that on. */
    private List<String> preemptions() {
        List<String> lines = new ArrayList<>(List.of("# at,cloud"));
        for (Duration at = PREEMPT_EVERY.dividedBy(2); at.compareTo(trace.length()) < 0; at = at.plus(PREEMPT_EVERY)) {
            lines.add(at.toSeconds() + "s,spot-eu");
        }
        return lines;
    }

    private Result result(Policy p, List<LoadReplay.Call> calls, JsonNode nodes, long preempted) {
        double elastic = 0;
        Map<String, Integer> acquired = new java.util.TreeMap<>();
        for (JsonNode n : nodes.path("elastic")) {
            // what the fleet says each node cost, in real time: the emulated time is 1 / timeScale times longer
            elastic += n.path("costUsd").asDouble() / timeScale;
            acquired.merge(n.path("cloud").asText(), 1, Integer::sum);
        }
        Topology topology = TopologyReader.read(p.topology().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Result(p, calls, topology.nodes().size(), listedUsd(p), elastic, acquired, preempted);
    }

    /** What the policy's listed nodes cost, held for the whole trace at their clouds' prices, US dollars. */
    private double listedUsd(Policy p) {
        Topology topology = TopologyReader.read(p.topology().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        double hours = trace.length().toMillis() / 3_600_000.0;
        double listed = 0;
        for (NodeSpec n : topology.nodes()) {
            Cloud cloud = topology.cloud(n.cloud()).orElseThrow();
            double factor = cloud.name().equals("spot-eu") && p.prices() ? trace.meanSpotFactor() : 1;
            listed += cloud.pricing().perNodeHour(n.cpus(), n.memoryMb()) * factor * hours;
        }
        return listed;
    }

    /** The table; {@code peakUsd}: what the first policy cost, run or (quick) from its price model. */
    private String report(List<Result> results, boolean quick, double peakUsd) {
        var out = new StringBuilder(String.format(Locale.ROOT, """
                One emulated %d-minute trace replayed against each policy in turn (time scale %s: %.1f real minutes each): %s of
                `sleep` per call, the autoscaler's target %d concurrent calls per replica (hard limit 10), mean concurrency %.0f
                along a compressed day, two bursts of %.0f× the mean for %.1f minutes; users in `eu`, WAN latencies emulated;
                SLO: an answer within %.0f ms as users in `eu` see it. Costs are the emulated run's, in US dollars. In the skyfn
                runs the spot market also takes back its longest-running node every %d minutes (2-minute notice, 10-minute cool-down).

                | policy | nodes | spot nodes taken back | cost | vs on-demand for the peak | vs on-demand autoscaled | calls | failed | p50 | p99 | within SLO | 1st burst within SLO after | 2nd burst |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|
                """, trace.length().toMinutes(), timeScale, trace.length().toMillis() * timeScale / 60_000, work.toMillis() + " ms",
                target, trace.meanConcurrency(), CostTrace.BURST_FACTOR, trace.burst().toSeconds() / 60.0, sloMs,
                PREEMPT_EVERY.toMinutes()));
        Result autoscaled = results.get(quick ? 0 : 1);
        if (quick) {
            out.append(String.format(Locale.ROOT, "| %s | %d listed, held throughout (not run: its cost from the price model) | — | $%.3f | — | %s | | | | | | | |%n",
                    "on-demand, provisioned for the peak", (int) Math.ceil(trace.peakConcurrency() / target), peakUsd,
                    cheaper(peakUsd, autoscaled.cost())));
        }
        Map<String, Map<String, Long>> failures = new java.util.LinkedHashMap<>();
        for (Result r : results) {
            List<Double> ms = r.calls().stream().filter(c -> c.status() == 200).map(LoadReplay.Call::ms).toList();
            long failed = r.calls().stream().filter(c -> c.status() != 200).count();
            long within = r.calls().stream().filter(this::withinSlo).count();
            failures.put(r.policy().name(), r.calls().stream().filter(c -> c.status() != 200)
                    .collect(java.util.stream.Collectors.groupingBy(c -> (c.status() == 0 ? "no answer" : "HTTP " + c.status())
                                    + (c.error().isEmpty() ? "" : " " + c.error()),
                            java.util.TreeMap::new, java.util.stream.Collectors.counting())));
            out.append(String.format(Locale.ROOT, "| %s | %d listed%s | %s | $%.3f | %s | %s | %d | %d | %.0f ms | %.0f ms | %.2f%% | %s | %s |%n",
                    r.policy().name(), r.listed(), r.acquired().isEmpty() ? "" : " + " + r.acquired().entrySet().stream()
                            .map(e -> e.getValue() + " " + e.getKey()).reduce((a, b) -> a + ", " + b).orElse(""),
                    r.policy().prices() ? Long.toString(r.preempted()) : "—", r.cost(), cheaper(r.cost(), peakUsd), r == autoscaled ? "—" : cheaper(r.cost(), autoscaled.cost()), r.calls().size(), failed,
                    ms.isEmpty() ? 0 : Stats.median(ms), ms.isEmpty() ? 0 : Stats.percentile(ms, 99),
                    100.0 * within / Math.max(1, r.calls().size()),
                    burstServed(r, trace.bursts().get(0)), burstServed(r, trace.bursts().get(1))));
        }
        failures.forEach((policy, kinds) -> {
            if (!kinds.isEmpty()) {
                out.append("\nFailed calls of ").append(policy).append(": ").append(kinds).append('\n');
            }
        });
        return out.toString();
    }

    private boolean withinSlo(LoadReplay.Call c) {
        return c.status() == 200 && c.ms() <= sloMs;
    }

    private static String cheaper(double usd, double thanUsd) {
        if (usd == thanUsd) {
            return "—";
        }
        double less = 1 - usd / thanUsd;
        return String.format(Locale.ROOT, less >= 0 ? "%.0f%% cheaper" : "%.0f%% dearer", 100 * Math.abs(less));
    }

    /**
     * How long after a burst starts its calls are served within the SLO: the start of the first
     * 10-second window (emulated) from which every window to the burst's end has 99% of its calls
     * within it, or "not within the burst".
     */
    private String burstServed(Result r, Duration start) {
        double from = start.toMillis() / 1000.0;
        double to = from + trace.burst().toSeconds();
        double window = 10;
        double served = -1;
        for (double w = to - window; w >= from; w -= window) {
            double ws = w;
            List<LoadReplay.Call> in = r.calls().stream().filter(c -> c.at() >= ws && c.at() < ws + window).toList();
            long ok = in.stream().filter(this::withinSlo).count();
            if (in.isEmpty() || ok < 0.99 * in.size()) {
                break;
            }
            served = w;
        }
        return served < 0 ? "not within the burst" : String.format(Locale.ROOT, "%.0f s", served - from);
    }

    /** Waits until the app answers, then calls it as the trace's first minutes would: every node on the way has run the path. */
    private void warm(int port, String url) {
        awaitAnswer(port, url);
        try (var callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 2; c++) {
                callers.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        http.send(HttpRequest.newBuilder(URI.create(url)).header("X-Skyfn-Region", REGION)
                                .POST(HttpRequest.BodyPublishers.ofString(Long.toString(work.toMillis()))).build(), HttpResponse.BodyHandlers.discarding());
                    }
                    return null;
                });
            }
        }
    }

    private void awaitAnswer(int port, String url) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            try {
                var res = http.send(HttpRequest.newBuilder(URI.create(url)).header("X-Skyfn-Region", REGION)
                        .POST(HttpRequest.BodyPublishers.ofString("1")).build(), HttpResponse.BodyHandlers.ofString());
                String placement = send(port, "GET", "/v1/apps/shop/placement", null);
                if (res.statusCode() == 200 && !JSON.readTree(placement).path("inForce").isEmpty()) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the app did not answer within 3 minutes of its deployment");
            }
            Procs.sleep(Duration.ofMillis(200));
        }
    }

    /** Waits until {@code expected} node processes booted ahead are up and held (their JVMs' start is over). */
    private static void awaitStandby(Path fleetDir, int expected) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (held(fleetDir) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + held(fleetDir) + " of " + expected + " nodes booted ahead came up within 5 minutes");
            }
            Procs.sleep(Duration.ofMillis(500));
        }
    }

    private static long held(Path fleetDir) {
        try (var logs = Files.list(fleetDir)) {
            return logs.filter(f -> f.toString().endsWith(".log")).filter(f -> {
                try {
                    return Files.readString(f).contains("node up, held until");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the fleet is up; the port of {@code gateway}, as the fleet printed it. */
    static int awaitUp(Process fleet, Path log, String gateway) {
        var line = java.util.regex.Pattern.compile("^  " + java.util.regex.Pattern.quote(gateway) + " \\(.*\\) on http://127\\.0\\.0\\.1:(\\d+)$",
                java.util.regex.Pattern.MULTILINE);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            if (!fleet.isAlive()) {
                throw new IllegalStateException("the fleet exited; see " + log);
            }
            try {
                String out = Files.readString(log);
                var port = line.matcher(out);
                if (out.contains("Ctrl-C stops it") && port.find()) {
                    return Integer.parseInt(port.group(1));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fleet did not start within 5 minutes; see " + log);
            }
            Procs.sleep(Duration.ofMillis(500));
        }
    }

    private String send(int port, String method, String path, byte[] body) {
        return BenchFleet.send(http, port, method, path, body);
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("skyfn-cost-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
