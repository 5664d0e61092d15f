package dev.skyfn.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What tracing costs warm calls: the same node (on CPU 0, wrk on CPU 1) with tracing off, on
 * with 1% of traces kept, and on with every trace kept, its spans exported over OTLP/HTTP to a
 * collector in this process that takes and drops them. Rounds alternate, each starting with the
 * next variant; medians. Each node is warmed up for {@link #WARM_UP} first: on the one CPU it is
 * pinned to, the JIT compiles the tracing and exporting code for tens of seconds, and a shorter
 * warm-up measures that compiler, not tracing. Besides throughput flat out, each round reads the
 * CPU time a call costs the node and its sandbox at a paced load ({@link WarmRound}): what the
 * "≤ 3% of warm throughput" target means for a node that is not pinned at its limit, and what this
 * machine's run-to-run noise hides least.
 */
final class TracingBench {

    static final Duration WARM_UP = Duration.ofSeconds(40);
    private final Path root;
    private final int rounds;
    private final Duration measure;

    TracingBench(Path root, int rounds, Duration measure) {
        this.root = root;
        this.rounds = rounds;
        this.measure = measure;
    }

    String run() {
        var exports = new AtomicLong();
        var received = new AtomicLong();
        HttpServer sink = sink(exports, received);
        String endpoint = "http://127.0.0.1:" + sink.getAddress().getPort();
        List<WarmRound> off = new ArrayList<>();
        List<WarmRound> sampled = new ArrayList<>();
        List<WarmRound> all = new ArrayList<>();
        try {
            List<Runnable> variants = List.of(() -> off.add(round(List.of())),
                    () -> sampled.add(round(List.of("--otlp-endpoint", endpoint, "--trace-sampling", "0.01"))),
                    () -> all.add(round(List.of("--otlp-endpoint", endpoint, "--trace-sampling", "1"))));
            for (int r = 0; r < rounds; r++) {
                // each round starts with the next variant: none always runs after the same one
                for (int v = 0; v < variants.size(); v++) {
                    variants.get((r + v) % variants.size()).run();
                }
                System.err.printf("round %d: tracing off %.0f req/s (%.1f µs CPU a call paced), 1%% kept %.0f req/s (%.1f µs),"
                                + " all kept %.0f req/s (%.1f µs)%n", r + 1, off.getLast().many().requestsPerSecond(), off.getLast().cpuMicrosPerCall(),
                        sampled.getLast().many().requestsPerSecond(), sampled.getLast().cpuMicrosPerCall(),
                        all.getLast().many().requestsPerSecond(), all.getLast().cpuMicrosPerCall());
            }
        } finally {
            sink.stop(0);
        }
        var offRows = new WarmRound.Variant("tracing off", off);
        var variants = List.of(offRows, new WarmRound.Variant("on, 1% of traces kept", sampled), new WarmRound.Variant("on, every trace kept", all));
        var out = new StringBuilder(WarmRound.table(variants, offRows, "off"));
        out.append('\n').append(WarmRound.cpuTable(variants, offRows, "off"));
        out.append(String.format("%nPer round, 64 connections (req/s): off %s; 1%% kept %s; all kept %s. The collector took %,d exports, "
                        + "%,d bytes in all.%n",
                Stats.list(off.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(sampled.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(all.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"), exports.get(), received.get()));
        return out.toString();
    }

    /** An OTLP/HTTP endpoint that takes every export and keeps nothing but counts. */
    static HttpServer sink(AtomicLong exports, AtomicLong bytes) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/traces", exchange -> {
                bytes.addAndGet(exchange.getRequestBody().readAllBytes().length);
                exports.incrementAndGet();
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WarmRound round(List<String> options) {
        return WarmRound.run(root, 18_093, WARM_UP, measure, options);
    }
}
