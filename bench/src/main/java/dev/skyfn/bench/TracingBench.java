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
import java.util.function.ToDoubleFunction;

/**
 * What tracing costs warm calls: the same node (on CPU 0, wrk on CPU 1) with tracing off, on
 * with 1% of traces kept, and on with every trace kept, its spans exported over OTLP/HTTP to a
 * collector in this process that takes and drops them. Rounds alternate, medians.
 */
final class TracingBench {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final byte[] BODY = "x".getBytes();

    private final Path root;
    private final int rounds;
    private final Duration measure;

    TracingBench(Path root, int rounds, Duration measure) {
        this.root = root;
        this.rounds = rounds;
        this.measure = measure;
    }

    private record Round(Wrk.Result one, Wrk.Result many) {
    }

    String run() {
        var exports = new AtomicLong();
        var received = new AtomicLong();
        HttpServer sink = sink(exports, received);
        String endpoint = "http://127.0.0.1:" + sink.getAddress().getPort();
        List<Round> off = new ArrayList<>();
        List<Round> sampled = new ArrayList<>();
        List<Round> all = new ArrayList<>();
        try {
            for (int r = 0; r < rounds; r++) {
                off.add(round(List.of()));
                sampled.add(round(List.of("--otlp-endpoint", endpoint, "--trace-sampling", "0.01")));
                all.add(round(List.of("--otlp-endpoint", endpoint, "--trace-sampling", "1")));
                System.err.printf("round %d: tracing off %.0f req/s, 1%% kept %.0f req/s, all kept %.0f req/s%n", r + 1,
                        off.getLast().many().requestsPerSecond(), sampled.getLast().many().requestsPerSecond(),
                        all.getLast().many().requestsPerSecond());
            }
        } finally {
            sink.stop(0);
        }
        var out = new StringBuilder("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            ToDoubleFunction<Round> rps = x -> (many ? x.many() : x.one()).requestsPerSecond();
            ToDoubleFunction<Round> p50 = x -> (many ? x.many() : x.one()).p50Micros();
            ToDoubleFunction<Round> p99 = x -> (many ? x.many() : x.one()).p99Micros();
            String conns = many ? "64" : "1";
            out.append(String.format("| %s | tracing off | %,.0f | %.0f µs | %.0f µs |%n", conns, median(off, rps), median(off, p50), median(off, p99)));
            out.append(String.format("| %s | on, 1%% of traces kept | %,.0f | %.0f µs | %.0f µs |%n", conns, median(sampled, rps),
                    median(sampled, p50), median(sampled, p99)));
            out.append(String.format("| %s | on, every trace kept | %,.0f | %.0f µs | %.0f µs |%n", conns, median(all, rps), median(all, p50),
                    median(all, p99)));
            out.append(String.format("| %s | **1%% / off** | **%.1f%%** | %+.0f µs | %+.0f µs |%n", conns, 100 * median(sampled, rps) / median(off, rps),
                    median(sampled, p50) - median(off, p50), median(sampled, p99) - median(off, p99)));
            out.append(String.format("| %s | **all / off** | **%.1f%%** | %+.0f µs | %+.0f µs |%n", conns, 100 * median(all, rps) / median(off, rps),
                    median(all, p50) - median(off, p50), median(all, p99) - median(off, p99)));
        }
        out.append(String.format("%nPer round, 64 connections (req/s): off %s; 1%% kept %s; all kept %s. The collector took %,d exports, "
                        + "%,d bytes in all.%n",
                Stats.list(off.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(sampled.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(all.stream().map(x -> x.many().requestsPerSecond()).toList(), "%.0f"), exports.get(), received.get()));
        return out.toString();
    }

    /** An OTLP/HTTP endpoint that takes every export and keeps nothing but counts. */
    private static HttpServer sink(AtomicLong exports, AtomicLong bytes) {
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

    private Round round(List<String> options) {
        try (SkyfnProcess node = SkyfnProcess.start(root, "0", 18_093, 0, List.of(), options.toArray(String[]::new))) {
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
