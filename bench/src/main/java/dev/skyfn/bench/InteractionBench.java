package dev.skyfn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Function-to-function calls, timed from inside the calling function: to a function of the same
 * app (same sandbox), of another app in another sandbox (straight there, as the node routes it,
 * and, on a second node started with {@code -Dskyfn.directCalls=false}, through the node), and
 * through the HTTP gateway (from a sandbox not confined, as a confined one cannot reach the host's
 * loopback), beside the limits — a direct method call, a virtual thread hand-off,
 * and a round trip between two processes over a Unix domain socket.
 */
final class InteractionBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP = """
            app: interact
            functions:
              noop: {handler: dev.skyfn.bench.InteractionApp$Noop}
              caller: {handler: dev.skyfn.bench.InteractionApp$Caller, timeout: 5m}
            """;
    private static final String PEER = "app: peer\nshareSandbox: false\nfunctions:\n"
            + "  noop: {handler: dev.skyfn.bench.InteractionApp$Noop, concurrency: 1000}\n";

    private final Path root;
    private final int calls;
    /** For each node the calls to peer were measured on, how many went which way. */
    private final List<String> paths = new ArrayList<>();

    InteractionBench(Path root, int calls) {
        this.root = root;
        this.calls = calls;
    }

    String run() {
        Map<String, double[]> rows = new LinkedHashMap<>();
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_094, 1, List.of())) {
            measure(node, List.of("direct", "virtual-thread", "same-sandbox", "other-sandbox"), rows);
        }
        try (SkyfnProcess node = SkyfnProcess.start(root, null, 18_095, 1, List.of("-Dskyfn.directCalls=false"))) {
            measure(node, List.of("other-sandbox"), rows);
            rows.put("through-node", rows.remove("other-sandbox-again"));
        }
        // a confined sandbox cannot reach the host's loopback: the gateway is called from an unconfined one
        try (SkyfnProcess node = SkyfnProcess.startUnconfined(root, null, 18_096, 1, List.of())) {
            measure(node, List.of("http"), rows);
        }
        rows.put("unix-socket", pingPong());
        double same = rows.get("same-sandbox")[0];
        double other = rows.get("other-sandbox")[0];
        double http = rows.get("http")[0];
        var out = new StringBuilder("""
                | call | p50 | p99 | mean | limit |
                |---|---:|---:|---:|---|
                """);
        row(out, "direct method call (limit)", rows.get("direct"), "");
        row(out, "virtual thread hand-off (limit)", rows.get("virtual-thread"), "");
        row(out, "**skyfn, same sandbox** (`ctx.invoke(\"noop\")`)", rows.get("same-sandbox"), "target ≤ 10 µs p50");
        row(out, "Unix socket round trip, two processes (limit)", rows.get("unix-socket"), "");
        row(out, "skyfn, other sandbox, through the node (`-Dskyfn.directCalls=false`)", rows.get("through-node"), "");
        row(out, "**skyfn, other sandbox** (`ctx.invoke(\"peer/noop\")`, straight there)", rows.get("other-sandbox"),
                "target ≤ 30 µs p50");
        row(out, "HTTP chaining through the gateway (how OpenWhisk sequences call)", rows.get("http"), "");
        out.append(String.format("%nCalls to peer by path, as the nodes counted them (straight there, then through the node): %s.%n",
                String.join("; ", paths)));
        out.append(String.format("%nHTTP chaining / same sandbox: **×%.0f** (target ≥ 100×); HTTP chaining / other sandbox: ×%.1f;"
                + " through the node / straight there: ×%.2f.%n", http / same, http / other, rows.get("through-node")[0] / other));
        return out.toString();
    }

    /** Each mode's calls, after a round of as many to warm it; a mode measured before is kept as MODE-again. */
    private void measure(SkyfnProcess node, List<String> modes, Map<String, double[]> rows) {
        node.deploy(Jars.ofClasses(APP, InteractionApp.class));
        node.deploy(Jars.ofClasses(PEER, InteractionApp.class));
        String url = "http://127.0.0.1:" + node.port;
        for (String mode : modes) {
            int n = mode.equals("http") ? calls / 5 : calls;
            loop(node, mode, n, url);
            rows.put(rows.containsKey(mode) ? mode + "-again" : mode, loop(node, mode, n, url));
            if (mode.equals("other-sandbox")) {
                paths.add(callsToPeer(node));
            }
        }
    }

    /** How the node says the calls to peer went: its {@code skyfn_calls_between_apps_total} lines. */
    private static String callsToPeer(SkyfnProcess node) {
        String metrics = MiniHttp.send(node.port, "GET", "/metrics", new byte[0], "text/plain").text();
        return metrics.lines().filter(l -> l.startsWith("skyfn_calls_between_apps_total{app=\"peer\""))
                .map(l -> l.replaceAll(".*path=\"(\\w+)\".*} ([0-9.E]+)", "$1 $2")).collect(java.util.stream.Collectors.joining(", "));
    }

    private static void row(StringBuilder out, String what, double[] t, String target) {
        out.append(String.format("| %s | %.1f µs | %.1f µs | %.1f µs | %s |%n", what, t[0], t[1], t[2], target));
    }

    private static double[] loop(SkyfnProcess node, String mode, int n, String url) {
        try {
            byte[] body = JSON.writeValueAsBytes(Map.of("mode", mode, "calls", n, "url", url));
            MiniHttp.Response res = MiniHttp.send(node.port, "POST", "/v1/apps/interact/functions/caller:invoke", body, "application/json");
            if (res.status() != 200) {
                throw new IllegalStateException(mode + ": " + res.text());
            }
            JsonNode t = JSON.readTree(res.body());
            return new double[]{t.get("p50").asDouble(), t.get("p99").asDouble(), t.get("mean").asDouble()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private double[] pingPong() {
        Path socket = Procs.tempSocket("pingpong");
        Process server = Procs.start(null, socket.resolveSibling("server.log"), List.of(Procs.JAVA.toString(), "-cp",
                Bench.classpath(root), UnixSocketPingPong.class.getName(), "serve", socket.toString()));
        try {
            Procs.awaitFile(socket, Duration.ofSeconds(12));
            String[] t = Procs.run(List.of(Procs.JAVA.toString(), "-cp", Bench.classpath(root),
                    UnixSocketPingPong.class.getName(), "ping", socket.toString(), Integer.toString(calls)), Duration.ofMinutes(2))
                    .trim().split(" ");
            List<Double> values = new ArrayList<>();
            for (String v : t) {
                values.add(Double.parseDouble(v));
            }
            return new double[]{values.get(0), values.get(1), values.get(2)};
        } finally {
            Procs.stop(server);
        }
    }
}
