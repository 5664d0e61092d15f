package dev.skyfn.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Warm invocations over HTTP against the limit, a bare Helidon server answering the same request,
 * and the peer a Java user would pick for functions over HTTP, Spring Cloud Function's web adapter
 * serving a no-op {@code Function<String, String>} (built by {@code bench/run} from
 * {@code bench/peers/spring-function}); skyfn with sandboxes confined and not, and confined on
 * the shared-memory transport. Where the gap to the bare server goes: the bare server with each
 * request's body sent to another process and back (the least a function in a process of its own
 * costs), and skyfn with {@code --no-metering}. Each server (with its other process) runs on CPU 0,
 * wrk on CPU 1; rounds alternate between the seven, medians are reported.
 */
final class HttpInvokeBench {

    private static final String PATH = "/v1/apps/hello/functions/noop:invoke";
    private static final String PEER_PATH = "/noop";
    private static final byte[] BODY = "x".getBytes();
    /**
     * How the peer is warmed up: a Spring application on one CPU reaches its speed only after its
     * JIT has compiled for minutes (2.7k req/s after a minute here, 7k after three; two slices
     * agreeing after 75–105 s were still at 3.5k), so it is
     * loaded in slices until two in a row agree within {@link #STEADY}, for at least the first and
     * at most the last of these.
     */
    private static final Duration PEER_SLICE = Duration.ofSeconds(15);
    private static final Duration PEER_WARM_UP_LEAST = Duration.ofMinutes(3);
    private static final Duration PEER_WARM_UP_MOST = Duration.ofMinutes(6);
    private static final double STEADY = 0.05;

    private final Path root;
    private final int rounds;
    private final Duration measure;
    private final Path peerJar;
    private final List<Duration> peerWarmUps = new ArrayList<>();

    /** {@code peerJar}: the Spring Cloud Function peer's executable jar, or null to leave it out. */
    HttpInvokeBench(Path root, int rounds, Duration measure, Path peerJar) {
        this.root = root;
        this.rounds = rounds;
        this.measure = measure;
        this.peerJar = peerJar;
    }

    private record Round(Wrk.Result one, Wrk.Result many) {
    }

    String run() {
        List<Round> bare = new ArrayList<>();
        List<Round> peer = new ArrayList<>();
        List<Round> skyfn = new ArrayList<>();
        List<Round> unconfined = new ArrayList<>();
        List<Round> shared = new ArrayList<>();
        List<Round> hop = new ArrayList<>();
        List<Round> unmetered = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            bare.add(bare());
            hop.add(hop());
            unmetered.add(skyfn(true, "--no-metering"));
            if (peerJar != null) {
                peer.add(peer());
            }
            skyfn.add(skyfn(true));
            unconfined.add(skyfn(false));
            shared.add(skyfn(true, "--sandbox-transport=shared-memory"));
            System.err.printf("round %d: bare %.0f req/s, bare with a hop %.0f req/s, Spring %s req/s, skyfn %.0f req/s,"
                    + " not metered %.0f req/s, not confined %.0f req/s, shared memory %.0f req/s%n",
                    r + 1, bare.getLast().many().requestsPerSecond(), hop.getLast().many().requestsPerSecond(),
                    peer.isEmpty() ? "-" : String.format("%.0f", peer.getLast().many().requestsPerSecond()),
                    skyfn.getLast().many().requestsPerSecond(), unmetered.getLast().many().requestsPerSecond(),
                    unconfined.getLast().many().requestsPerSecond(),
                    shared.getLast().many().requestsPerSecond());
        }
        return report(bare, skyfn) + gap(bare, hop, unmetered, skyfn) + (peer.isEmpty() ? "" : peer(peer, skyfn))
                + confinement(skyfn, unconfined) + transports(bare, skyfn, shared);
    }

    /**
     * Where skyfn's gap to the bare server goes, step by step in the same rounds: the process
     * boundary (the bare server with a round trip to another process), skyfn's own path without
     * usage records, and metering.
     */
    private static String gap(List<Round> bare, List<Round> hop, List<Round> unmetered, List<Round> skyfn) {
        var out = new StringBuilder("\nWhere the gap goes (same rounds; each step beside the one before it):\n\n");
        out.append("| connections | | throughput (req/s) | p50 | p99 | throughput / the row before | p50 − the row before |\n"
                + "|---|---|---:|---:|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            String conns = many ? "64" : "1";
            Medians before = null;
            for (var step : List.of(java.util.Map.entry("bare Helidon", bare),
                    java.util.Map.entry("bare Helidon, each body to another process and back on a connection of its own (the process boundary)", hop),
                    java.util.Map.entry("skyfn, `--no-metering`", unmetered), java.util.Map.entry("skyfn", skyfn))) {
                Medians m = medians(step.getValue(), many);
                out.append(String.format("| %s | %s | %,.0f | %.0f µs | %.0f µs | %s | %s |%n", conns, step.getKey(), m.rps(), m.p50(), m.p99(),
                        before == null ? "" : String.format("%.1f%%", 100 * m.rps() / before.rps()),
                        before == null ? "" : String.format("%+.0f µs", m.p50() - before.p50())));
                before = m;
            }
        }
        out.append(String.format("%nPer round, 64 connections (req/s): bare with the hop %s; skyfn `--no-metering` %s.%n",
                Stats.list(hop.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(unmetered.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f")));
        return out.toString();
    }

    /** skyfn beside the peer a user would pick, Spring Cloud Function web, in the same rounds. */
    private String peer(List<Round> peer, List<Round> skyfn) {
        var out = new StringBuilder(String.format("%nThe peer, warm (same rounds; Spring Cloud Function web, loaded until steady before each"
                + " measurement: %s s):%n%n", Stats.list(peerWarmUps.stream().map(d -> (double) d.toSeconds()).toList(), "%.0f")));
        out.append("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            String conns = many ? "64" : "1";
            Medians spring = medians(peer, many);
            Medians ours = medians(skyfn, many);
            out.append(row(conns, "Spring Cloud Function web", spring)).append(row(conns, "skyfn", ours));
            out.append(String.format("| %s | **skyfn / Spring** | **×%.2f** | ×%.2f | ×%.2f |%n", conns,
                    ours.rps() / spring.rps(), ours.p50() / spring.p50(), ours.p99() / spring.p99()));
        }
        out.append(String.format("%nPer round, 64 connections (req/s): Spring %s.%n",
                Stats.list(peer.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f")));
        return out.toString();
    }

    /** What confining sandboxes costs warm calls: the same runs, sandboxes confined and not. */
    private static String confinement(List<Round> confined, List<Round> unconfined) {
        var out = new StringBuilder("\nConfinement, warm (same rounds; sandboxes not confined as on a host without bubblewrap):\n\n");
        out.append("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            String conns = many ? "64" : "1";
            Medians on = medians(confined, many);
            Medians off = medians(unconfined, many);
            out.append(row(conns, "skyfn, confined", on)).append(row(conns, "skyfn, not confined", off));
            out.append(String.format("| %s | **confined / not** | **%.1f%%** | %+.0f µs | %+.0f µs |%n", conns,
                    100 * on.rps() / off.rps(), on.p50() - off.p50(), on.p99() - off.p99()));
        }
        return out.toString();
    }

    /** The node ↔ sandbox transports in the same rounds, both confined, beside the bare server. */
    private static String transports(List<Round> bare, List<Round> socket, List<Round> shared) {
        var out = new StringBuilder("\nTransports, warm (same rounds; sandboxes confined, on the Unix socket and on shared memory):\n\n");
        out.append("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        for (boolean many : new boolean[] {false, true}) {
            String conns = many ? "64" : "1";
            Medians limit = medians(bare, many);
            Medians onSocket = medians(socket, many);
            Medians onShared = medians(shared, many);
            out.append(row(conns, "bare Helidon", limit)).append(row(conns, "skyfn, socket", onSocket))
                    .append(row(conns, "skyfn, shared memory", onShared));
            out.append(String.format("| %s | **shared memory / socket** | **%.1f%%** | %+.0f µs | %+.0f µs |%n", conns,
                    100 * onShared.rps() / onSocket.rps(), onShared.p50() - onSocket.p50(), onShared.p99() - onSocket.p99()));
            out.append(String.format("| %s | shared memory / bare | %.1f%% | %+.0f µs | %+.0f µs |%n", conns,
                    100 * onShared.rps() / limit.rps(), onShared.p50() - limit.p50(), onShared.p99() - limit.p99()));
        }
        out.append(String.format("%nPer round, 64 connections (req/s): socket %s; shared memory %s.%n",
                Stats.list(socket.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(shared.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f")));
        return out.toString();
    }

    private Round bare() {
        return bare(18_090, Path.of("/tmp/skyfn-bench-bare.log"));
    }

    /** The bare server on {@code port}, given {@code more} arguments, pinned to CPU 0 and measured. */
    private Round bare(int port, Path log, String... more) {
        List<String> cmd = new ArrayList<>(List.of(Procs.JAVA.toString(), "-cp", Bench.classpath(root), BareServer.class.getName(),
                Integer.toString(port)));
        cmd.addAll(List.of(more));
        Process p = Procs.start("0", log, cmd);
        try {
            awaitPort(port, PATH);
            return measure(port, PATH, Duration.ofSeconds(5));
        } finally {
            Procs.stop(p);
        }
    }

    /** The bare server with each body sent to an echo process and back, both on CPU 0. */
    private Round hop() {
        Path socket = Procs.tempSocket("echo");
        Process echo = Procs.start("0", socket.resolveSibling("echo.log"), List.of(Procs.JAVA.toString(), "-cp",
                Bench.classpath(root), UnixSocketPingPong.class.getName(), "serve", socket.toString()));
        try {
            Procs.awaitFile(socket, Duration.ofSeconds(30));
            return bare(18_093, Path.of("/tmp/skyfn-bench-bare-hop.log"), socket.toString());
        } finally {
            Procs.stop(echo);
        }
    }

    private Round peer() {
        int port = 18_092;
        Process p = Procs.start("0", Path.of("/tmp/skyfn-bench-spring.log"), List.of(Procs.JAVA.toString(), "-jar",
                peerJar.toString(), "--server.port=" + port, "--logging.level.root=WARN"));
        try {
            awaitPort(port, PEER_PATH);
            peerWarmUps.add(warmUntilSteady(port));
            return measure(port, PEER_PATH, Duration.ZERO);
        } finally {
            Procs.stop(p);
        }
    }

    private Round skyfn(boolean confined, String... options) {
        try (SkyfnProcess node = confined ? SkyfnProcess.start(root, "0", 18_091, 0, List.of(), options)
                : SkyfnProcess.startUnconfined(root, "0", 18_091, 0, List.of(), options)) {
            node.deploy(Bench.example(root, "hello"));
            if (node.invoke("hello", "noop", "x").status() != 200) {
                throw new IllegalStateException("noop does not answer");
            }
            return measure(node.port, PATH, Duration.ofSeconds(5));
        }
    }

    /** Loads the peer in slices until its throughput is steady; how long that took. */
    private static Duration warmUntilSteady(int port) {
        String url = "http://127.0.0.1:" + port + PEER_PATH;
        long start = System.nanoTime();
        double last = 0;
        while (true) {
            double now = Wrk.run("1", url, 64, PEER_SLICE, BODY).requestsPerSecond();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            boolean steady = last > 0 && Math.abs(now - last) <= STEADY * last;
            if ((steady && took.compareTo(PEER_WARM_UP_LEAST) >= 0) || took.compareTo(PEER_WARM_UP_MOST) >= 0) {
                return took;
            }
            last = now;
        }
    }

    private Round measure(int port, String path, Duration warmUp) {
        String url = "http://127.0.0.1:" + port + path;
        if (!warmUp.isZero()) {
            Wrk.run("1", url, 64, warmUp, BODY);
        }
        Wrk.Result one = Wrk.run("1", url, 1, measure, BODY);
        Wrk.Result many = Wrk.run("1", url, 64, measure, BODY);
        return new Round(one, many);
    }

    private static void awaitPort(int port, String path) {
        for (int i = 0; i < 600; i++) {
            try {
                MiniHttp.send(port, "POST", path, BODY, "application/octet-stream");
                return;
            } catch (java.io.UncheckedIOException notYet) {
                Procs.sleep(Duration.ofMillis(50));
            }
        }
        throw new IllegalStateException("nothing listens on " + port);
    }

    private String report(List<Round> bare, List<Round> skyfn) {
        Medians bareOne = medians(bare, false);
        Medians skyOne = medians(skyfn, false);
        Medians bareMany = medians(bare, true);
        Medians skyMany = medians(skyfn, true);
        var out = new StringBuilder();
        out.append("| connections | | throughput (req/s) | p50 | p99 |\n|---|---|---:|---:|---:|\n");
        out.append(row("1", "bare Helidon", bareOne)).append(row("1", "skyfn", skyOne));
        out.append(String.format("| 1 | **skyfn / bare** | **%.0f%%** | **+%.0f µs** | +%.0f µs |%n",
                100 * skyOne.rps() / bareOne.rps(), skyOne.p50() - bareOne.p50(), skyOne.p99() - bareOne.p99()));
        out.append(row("64", "bare Helidon", bareMany)).append(row("64", "skyfn", skyMany));
        out.append(String.format("| 64 | **skyfn / bare** | **%.0f%%** | ×%.2f | ×%.2f |%n",
                100 * skyMany.rps() / bareMany.rps(), skyMany.p50() / bareMany.p50(), skyMany.p99() / bareMany.p99()));
        out.append(String.format("%nPer round, 64 connections (req/s): bare %s; skyfn %s.%n",
                Stats.list(bare.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f"),
                Stats.list(skyfn.stream().map(r -> r.many().requestsPerSecond()).toList(), "%.0f")));
        return out.toString();
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> metric) {
        return Stats.median(rounds.stream().map(r -> metric.applyAsDouble(r)).toList());
    }

    /** The medians over rounds of one server's runs at 1 connection or at 64 ({@code many}): req/s, µs, µs. */
    private record Medians(double rps, double p50, double p99) {
    }

    private static Medians medians(List<Round> rounds, boolean many) {
        return new Medians(median(rounds, r -> (many ? r.many() : r.one()).requestsPerSecond()),
                median(rounds, r -> (many ? r.many() : r.one()).p50Micros()), median(rounds, r -> (many ? r.many() : r.one()).p99Micros()));
    }

    private static String row(String conns, String what, Medians m) {
        return row(conns, what, m.rps(), m.p50(), m.p99());
    }

    private static String row(String conns, String what, double rps, double p50, double p99) {
        return String.format("| %s | %s | %,.0f | %.0f µs | %.0f µs |%n", conns, what, rps, p50, p99);
    }
}
