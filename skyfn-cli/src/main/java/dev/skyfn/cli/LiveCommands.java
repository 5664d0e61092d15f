package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** What runs on the fleet now, and where a traced call's time went. */
final class LiveCommands {

    private LiveCommands() {
    }

    @Command(name = "ps", mixinStandardHelpOptions = true,
            description = "List the calls running now on every live node, the longest running first (GET /v1/invocations?state=running).")
    static final class Running implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP", arity = "0..1", description = "only this app's calls")
        String app;

        @Override
        public Integer call() {
            String query = "/v1/invocations?state=running" + (app == null ? "" : "&app=" + URLEncoder.encode(app, StandardCharsets.UTF_8));
            JsonNode view = api.client().json("GET", query, null);
            System.out.printf("%-30s %-12s %-16s %-16s %-16s %12s%n", "INVOCATION", "TENANT", "APP", "FUNCTION", "NODE", "RUNNING MS");
            for (JsonNode i : view.get("invocations")) {
                System.out.printf("%-30s %-12s %-16s %-16s %-16s %12d%n", i.get("invocationId").asText(), i.get("tenant").asText(),
                        i.get("app").asText(), i.get("function").asText(), i.get("node").asText(), i.get("runningMs").asLong());
            }
            unreachable(view, "their calls");
            return 0;
        }
    }

    @Command(name = "trace", mixinStandardHelpOptions = true,
            description = "Show a trace's spans from every node that keeps them, each under its parent, with its node and time (GET /v1/traces/{id}).")
    static final class Trace implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "TRACE_ID", description = "32 hex digits, as in a traceparent")
        String traceId;

        @Override
        public Integer call() {
            JsonNode view = api.client().json("GET", "/v1/traces/" + Client.segment(traceId.toLowerCase(java.util.Locale.ROOT)), null);
            List<JsonNode> spans = new ArrayList<>();
            view.get("spans").forEach(spans::add);
            long from = spans.stream().mapToLong(s -> s.get("startMicros").asLong()).min().orElse(0);
            System.out.printf("%-56s %-16s %-14s %10s %10s%n", "SPAN", "NODE", "CLOUD", "AT MS", "MS");
            for (Row r : ordered(spans)) {
                JsonNode s = r.span();
                String name = "  ".repeat(r.depth()) + s.get("name").asText() + (s.get("error").asBoolean() ? "  [error]" : "");
                String why = s.path("errorMessage").asText("");
                System.out.printf("%-56s %-16s %-14s %10.2f %10.2f%s%n", name, s.get("node").asText(), s.get("cloud").asText(),
                        (s.get("startMicros").asLong() - from) / 1000.0, s.get("durationMicros").asLong() / 1000.0,
                        s.get("error").asBoolean() && !why.isEmpty() ? "  " + why : "");
            }
            unreachable(view, "their spans");
            return 0;
        }
    }

    @Command(name = "traces", mixinStandardHelpOptions = true,
            description = "List the latest traces the fleet's nodes keep, the latest first, each across the nodes and clouds it crossed (GET /v1/traces).")
    static final class Traces implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @picocli.CommandLine.Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "traces listed, 1 to 500 (default ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() {
            JsonNode view = api.client().json("GET", "/v1/traces?limit=" + limit, null);
            if (!view.path("tracing").asBoolean()) {
                System.err.println("this node does not trace: nodes keep spans when started with --tracing");
            }
            System.out.printf("%-32s %-36s %-8s %6s %10s  %s%n", "TRACE", "NAME", "STARTED", "SPANS", "MS", "CLOUDS");
            for (JsonNode t : view.get("traces")) {
                String started = java.time.LocalTime.ofInstant(java.time.Instant.EPOCH.plus(t.get("startMicros").asLong(),
                        java.time.temporal.ChronoUnit.MICROS), java.time.ZoneId.systemDefault()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
                System.out.printf("%-32s %-36s %-8s %6d %10.2f  %s%s%n", t.get("traceId").asText(), t.get("name").asText(), started,
                        t.get("spans").asInt(), t.get("durationMicros").asLong() / 1000.0, CloudCommands.join(t.get("clouds")),
                        t.get("error").asBoolean() ? "  [error]" : "");
            }
            unreachable(view, "their traces");
            return 0;
        }
    }

    /** A span and how deep it sits under the trace's roots. */
    record Row(JsonNode span, int depth) {
    }

    /** Each span after its parent, children by start; a span whose parent is not among them is a root. */
    static List<Row> ordered(List<JsonNode> spans) {
        Set<String> ids = new HashSet<>();
        spans.forEach(s -> ids.add(s.get("spanId").asText()));
        Map<String, List<JsonNode>> children = new HashMap<>();
        for (JsonNode s : spans) {
            String parent = s.get("parentSpanId").asText();
            children.computeIfAbsent(ids.contains(parent) ? parent : "", p -> new ArrayList<>()).add(s);
        }
        List<Row> rows = new ArrayList<>();
        visit(children, "", 0, rows);
        return rows;
    }

    private static void visit(Map<String, List<JsonNode>> children, String parent, int depth, List<Row> rows) {
        List<JsonNode> under = new ArrayList<>(children.getOrDefault(parent, List.of()));
        under.sort(java.util.Comparator.comparingLong(s -> s.get("startMicros").asLong()));
        for (JsonNode s : under) {
            rows.add(new Row(s, depth));
            visit(children, s.get("spanId").asText(), depth + 1, rows);
        }
    }

    /** Says on stderr which nodes did not answer, as {@code skyfn logs} and {@code skyfn top} do, and what is missing. */
    private static void unreachable(JsonNode view, String missing) {
        List<String> names = new ArrayList<>();
        view.path("unreachable").forEach(n -> names.add(n.asText()));
        if (!names.isEmpty()) {
            System.err.println("no answer from " + String.join(", ", names) + ": " + missing + " are missing");
        }
    }
}
