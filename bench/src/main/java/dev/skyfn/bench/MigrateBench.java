package dev.skyfn.bench;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * An app moved between two clouds while callers keep calling it, two ways: {@code skyfn migrate}
 * (replicas warm up on the target, routing switches, the old ones drain), and what a user of a
 * platform without it does — deploy a copy on the target cloud, point the callers at it, remove
 * the original. Beside them the limit: the same load with nothing moving. Each call's latency is
 * counted in the window it started in; failed calls are counted, not timed. Four node processes
 * of two clouds on this machine, no WAN latency emulated.
 */
final class MigrateBench {

    private static final String TOPOLOGY = """
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand, gbSecond: 0.0000100}, nodes: {eu-1: {}, eu-2: {}}}
              us: {provider: gcp, region: us-east1, pricing: {model: on-demand, gbSecond: 0.0000200}, nodes: {us-1: {}, us-2: {}}}
            users:
              here: {eu: 1, us: 1}
            latency:
              eu: {us: 1}
            """;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final int CALLERS = 8;
    private static final String WORK_MS = "20";
    private static final Duration STEADY = Duration.ofSeconds(15);
    private static final Duration WARM_UP = Duration.ofSeconds(60);
    private static final Duration AFTER = Duration.ofSeconds(3);
    private static final boolean PIN = !"false".equals(System.getenv("PIN"));

    private final java.nio.file.Path root;
    private final int rounds;
    private BenchFleet fleet;
    private final HttpClient http = HttpClient.newHttpClient();
    /** The app the callers call now: the peer's way moves them from one copy to another. */
    private final AtomicReference<String> target = new AtomicReference<>("moving");
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger failedBefore = new AtomicInteger();
    /** Latencies in ms of calls started in the window being recorded; null while none is. */
    private volatile ConcurrentLinkedQueue<Double> window;

    MigrateBench(java.nio.file.Path root, int rounds) {
        this.root = root;
        this.rounds = rounds;
    }

    String run() {
        try (BenchFleet fleet = BenchFleet.start(root, TOPOLOGY, java.util.Map.of(), PIN)) {
            this.fleet = fleet;
            deploy("moving", "");
            var stop = new AtomicBoolean();
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                String gateway = List.of("eu-1", "eu-2", "us-1", "us-2").get(i % 4);
                callers.add(Thread.ofVirtual().start(() -> call(gateway, stop)));
            }
            try {
                record(() -> false, WARM_UP); // each node's first sandboxes, and its AOT cache assembled once
                List<Double> steady = new ArrayList<>();
                List<Double> migrating = new ArrayList<>();
                List<Double> redeploying = new ArrayList<>();
                List<Double> migratingBoot = new ArrayList<>();
                List<Double> migratingAfter = new ArrayList<>();
                List<Double> moveSeconds = new ArrayList<>();
                int migrateFailures = 0;
                int redeployFailures = 0;
                List<Double> perMigration = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    // each round moves the app from eu to us by skyfn migrate, then back to eu the peer's way
                    String to = "us";
                    steady.addAll(record(() -> false, STEADY));
                    failedBefore.set(failed.get());
                    long asked = System.nanoTime();
                    send("POST", "/v1/apps/" + target.get() + "/migration", "{\"to\": \"" + to + "\"}");
                    String moving = target.get();
                    List<Double> booting = record(() -> movedTo(moving, to), Duration.ofMinutes(2));
                    moveSeconds.add((System.nanoTime() - asked) / 1e9);
                    List<Double> after = record(() -> false, AFTER);
                    migratingBoot.addAll(booting);
                    migratingAfter.addAll(after);
                    migrating.addAll(booting);
                    migrating.addAll(after);
                    List<Double> both = new ArrayList<>(booting);
                    both.addAll(after);
                    perMigration.add(Stats.percentile(both, 99));
                    migrateFailures += failed.get() - failedBefore.get();
                    steady.addAll(record(() -> false, STEADY));
                    failedBefore.set(failed.get());
                    redeploying.addAll(recordWhile(() -> redeploy("eu")));
                    redeploying.addAll(record(() -> false, AFTER));
                    redeployFailures += failed.get() - failedBefore.get();
                }
                return table(steady, migrating, redeploying, migrateFailures, redeployFailures, moveSeconds)
                        + String.format("%nEach migration's p99, in order: %s ms.%n", Stats.list(perMigration, "%.0f"))
                        + String.format("%nOf the migrations' calls: until the old replicas are dropped (the new ones boot, warm up, "
                                + "take over) p50 %.1f ms, p99 %.1f ms (%d calls); in the %d s after, p50 %.1f ms, p99 %.1f ms (%d calls).%n",
                        Stats.percentile(migratingBoot, 50), Stats.percentile(migratingBoot, 99), migratingBoot.size(), AFTER.toSeconds(),
                        Stats.percentile(migratingAfter, 50), Stats.percentile(migratingAfter, 99), migratingAfter.size());
            } finally {
                stop.set(true);
                callers.forEach(MigrateBench::join);
            }
        }
    }

    /** The peer's way: a copy of the app deployed on {@code cloud} (prewarmed), callers pointed at it, the original removed. */
    private void redeploy(String cloud) {
        String old = target.get();
        String copy = old.equals("moving") ? "copy" : "moving";
        // the copy prefers the cloud it is deployed for, and may run on the other: the next round migrates it there
        String other = cloud.equals("eu") ? "us" : "eu";
        deploy(copy, "placement: {replicas: 2, affinity: [{name: first, clouds: [" + cloud + "]}, {name: then, clouds: [" + other + "]}]}\n");
        target.set(copy);
        send("DELETE", "/v1/apps/" + old, (byte[]) null);
    }

    private void deploy(String app, String placement) {
        send("POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), "app: " + app + "\n"
                + (placement.isEmpty() ? "placement: {replicas: 2}\n" : placement)
                + "functions:\n  sleep: {handler: dev.skyfn.examples.hello.Sleep, memory: 128, concurrency: 50}\n"));
    }

    /** Whether every replica of the app in force is on {@code cloud}: its old ones are dropped. */
    private boolean movedTo(String app, String cloud) {
        try {
            var inForce = JSON.readTree(send("GET", "/v1/apps/" + app + "/placement", (byte[]) null)).get("inForce");
            boolean all = !inForce.isEmpty();
            for (var r : inForce) {
                all &= r.get("cloud").asText().equals(cloud);
            }
            return all;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The latencies of calls started until {@code done} holds or {@code most} passes. */
    private List<Double> record(BooleanSupplier done, Duration most) {
        var samples = new ConcurrentLinkedQueue<Double>();
        window = samples;
        long deadline = System.nanoTime() + most.toNanos();
        while (System.nanoTime() < deadline && !done.getAsBoolean()) {
            Procs.sleep(Duration.ofMillis(100));
        }
        window = null;
        return new ArrayList<>(samples);
    }

    private List<Double> recordWhile(Runnable action) {
        var samples = new ConcurrentLinkedQueue<Double>();
        window = samples;
        action.run();
        window = null;
        return new ArrayList<>(samples);
    }

    private void call(String gateway, AtomicBoolean stop) {
        byte[] body = WORK_MS.getBytes(StandardCharsets.UTF_8);
        while (!stop.get()) {
            var samples = window;
            long start = System.nanoTime();
            try {
                BenchFleet.send(http, fleet.port(gateway), "POST", "/v1/apps/" + target.get() + "/functions/sleep:invoke", body);
                if (samples != null) {
                    samples.add((System.nanoTime() - start) / 1e6);
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
            }
        }
    }

    private String send(String method, String path, String json) {
        return send(method, path, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    private String send(String method, String path, byte[] body) {
        return fleet.send(fleet.port("eu-1"), method, path, body);
    }

    private static String table(List<Double> steady, List<Double> migrating, List<Double> redeploying, int migrateFailures,
                                int redeployFailures, List<Double> moveSeconds) {
        double steadyP99 = Stats.percentile(steady, 99);
        return "| while | calls | failed | p50 ms | p99 ms | p99 / steady |\n|---|---|---|---|---|---|\n"
                + row("nothing moves (the limit)", steady, 0, steadyP99)
                + row("`skyfn migrate` between clouds", migrating, migrateFailures, steadyP99)
                + row("a copy deployed on the other cloud, callers switched, the original removed", redeploying, redeployFailures, steadyP99)
                + String.format("%nFrom `skyfn migrate` to the old replicas dropped (the source released): median %.1f s (%s). "
                        + "%d callers in a closed loop through all four gateways, each call 20 ms of work; each round "
                        + "migrates the app from eu to us, then moves it back the peer's way.%n", Stats.median(moveSeconds), Stats.list(moveSeconds, "%.1f"), CALLERS);
    }

    private static String row(String what, List<Double> samples, int failed, double steadyP99) {
        double p99 = Stats.percentile(samples, 99);
        return String.format("| %s | %d | %d | %.1f | %.1f | %.2f× |%n", what, samples.size(), failed, Stats.percentile(samples, 50), p99,
                p99 / steadyP99);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
