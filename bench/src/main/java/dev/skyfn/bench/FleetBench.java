package dev.skyfn.bench;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.servers.FleetSecrets;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * Calls between the nodes of a fleet beside their limit, a bare NATS request/reply on the same
 * server, and invocation throughput as nodes are added. Three node processes of one cloud share
 * one NATS server and this machine; no WAN latency is emulated.
 */
final class FleetBench {

    private static final String TOPOLOGY = BenchFleet.privateClouds(java.util.Map.entry("bench",
            java.util.List.of("n1: {cpus: 2, memory: 4096}", "n2: {cpus: 2, memory: 4096}", "n3: {cpus: 2, memory: 4096}")));

    private final Path root;
    private final int calls;
    private final Duration seconds;
    private BenchFleet fleet;

    FleetBench(Path root, int calls, Duration seconds) {
        this.root = root;
        this.calls = calls;
        this.seconds = seconds;
    }

    String run() {
        try (BenchFleet fleet = BenchFleet.start(root, TOPOLOGY)) {
            this.fleet = fleet;
            int[] ports = {fleet.port("n1"), fleet.port("n2"), fleet.port("n3")};
            return latency(fleet.nats().access("bench", FleetSecrets.OPERATOR), ports) + "\n" + throughput(ports);
        }
    }

    /** A call through the gateway of the node serving the app, through another node's, and bare NATS. */
    private String latency(NatsAccess nats, int[] ports) {
        fleet.send(ports[0], "POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), """
                app: one
                functions:
                  noop: {handler: dev.skyfn.examples.hello.Noop, memory: 128}
                """));
        String placed = fleet.send(ports[0], "GET", "/v1/apps/one/placement", new byte[0]);
        int serving = placed.contains("\"n1\"") ? 0 : placed.contains("\"n2\"") ? 1 : 2;
        int other = (serving + 1) % 3;
        String path = "/v1/apps/one/functions/noop:invoke";
        Histogram local = new Histogram(3);
        Histogram cross = new Histogram(3);
        Histogram bare = new Histogram(3);
        try (Engine a = Engine.connect(nats, "bench-requester"); Engine b = Engine.connect(nats, "bench-responder")) {
            Connection requester = a.connection();
            Connection responder = b.connection();
            responder.createDispatcher(m -> responder.publish(m.getReplyTo(), m.getData())).subscribe("bench.echo");
            try {
                responder.flush(Duration.ofSeconds(2));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the NATS server did not answer", e);
            }
            for (int round = 0; round < 4; round++) {
                boolean record = round > 0;
                time(record ? local : null, () -> fleet.send(ports[serving], "POST", path, new byte[]{'x'}));
                time(record ? cross : null, () -> fleet.send(ports[other], "POST", path, new byte[]{'x'}));
                time(record ? bare : null, () -> request(requester));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        double added = (cross.getValueAtPercentile(50) - local.getValueAtPercentile(50)) / 1000.0;
        double bareP50 = bare.getValueAtPercentile(50) / 1000.0;
        return "| call | p50 | p99 |\n|---|---|---|\n"
                + row("HTTP → gateway of the node serving the app", local)
                + row("HTTP → gateway of another node → NATS → the serving node", cross)
                + row("bare NATS request/reply, 1 byte, same server", bare)
                + String.format("%nCrossing to another node adds **%.0f µs** at p50; a bare NATS round trip is %.0f µs: the hop costs "
                        + "**%+.0f µs** beyond NATS itself (target: within 200 µs). %d calls of each kind, after a warm-up round.%n",
                added, bareP50, added - bareP50, calls * 3);
    }

    /** Invocations per second with wrk on 1, 2 and 3 gateways, each serving the app itself. */
    private String throughput(int[] ports) {
        fleet.send(ports[0], "POST", "/v1/apps", Jars.withManifest(Bench.exampleJar(root, "hello"), """
                app: spread
                functions:
                  noop: {handler: dev.skyfn.examples.hello.Noop, memory: 128, concurrency: 1000, queue: 10000}
                placement: {replicas: 3, scheduling: duplicated}
                """));
        for (int port : ports) {
            fleet.send(port, "POST", "/v1/apps/spread/functions/noop:invoke", new byte[]{'x'});
        }
        var out = new StringBuilder("| nodes | invocations/s | per node | scaling efficiency |\n|---|---|---|---|\n");
        double one = 0;
        for (int k = 1; k <= 3; k++) {
            List<CompletableFuture<Wrk.Result>> runs = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                String url = "http://127.0.0.1:" + ports[i] + "/v1/apps/spread/functions/noop:invoke";
                runs.add(CompletableFuture.supplyAsync(() -> Wrk.run("0-1", url, 32, seconds, new byte[]{'x'})));
            }
            double rps = runs.stream().map(CompletableFuture::join).mapToDouble(Wrk.Result::requestsPerSecond).sum();
            one = k == 1 ? rps : one;
            out.append(String.format("| %d | %.0f | %.0f | %.0f%% |%n", k, rps, rps / k, 100 * rps / (k * one)));
        }
        return out.append(String.format("%nwrk -t1 -c32 for %d s against each node's own gateway; every process shares the same "
                + "%d CPUs.%n", seconds.toSeconds(), Runtime.getRuntime().availableProcessors())).toString();
    }

    private void time(Histogram into, Runnable call) {
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            call.run();
            if (into != null) {
                into.recordValue(System.nanoTime() - start);
            }
        }
    }

    private static void request(Connection c) {
        try {
            c.request("bench.echo", new byte[]{'x'}, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String row(String what, Histogram h) {
        return String.format("| %s | %.0f µs | %.0f µs |%n", what, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
    }



}
