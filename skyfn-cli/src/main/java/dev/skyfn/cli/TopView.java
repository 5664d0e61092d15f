package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What {@code skyfn top} shows from two samples of {@code GET /v1/stats} taken {@code between}
 * apart: per cloud, node and app, calls and errors per second over that window, the window's
 * p50 and p99 call duration (ms, interpolated within the histogram's buckets as Prometheus'
 * {@code histogram_quantile} does), cold starts in the window, calls running now, and what the
 * usage cost so far (US dollars, as the bills rate it, from the nodes' own counts). A node's
 * counts are cumulative since it started; one whose counts went back (it restarted) counts from zero.
 */
final class TopView {

    private TopView() {
    }

    /** One function's counts on one node. */
    private record Series(String cloud, String node, String app, long calls, long errors, TreeMap<Long, Long> durations,
                          long coldStarts, int inFlight) {

        static Series of(JsonNode nodeStats, JsonNode f, boolean withTenant) {
            long errors = 0;
            for (JsonNode n : f.path("errors")) {
                errors += n.asLong();
            }
            TreeMap<Long, Long> buckets = new TreeMap<>();
            f.path("durations").forEach(b -> buckets.put(b.path("leMicros").asLong(), b.path("calls").asLong()));
            String app = (withTenant ? f.path("tenant").asText() + "/" : "") + f.path("app").asText();
            return new Series(nodeStats.path("cloud").asText(), nodeStats.path("node").asText(), app, f.path("calls").asLong(), errors,
                    buckets, f.path("coldStarts").asLong(), f.path("inFlight").asInt());
        }

        String key(JsonNode f) {
            return node + "\n" + f.path("tenant").asText() + "\n" + f.path("app").asText() + "\n" + f.path("function").asText();
        }

        /** Calls that took at most {@code le} µs, counted since the node started. */
        long callsWithin(long le) {
            var at = durations.floorEntry(le);
            return at == null ? 0 : at.getValue();
        }
    }

    /** A row's sums over the window: of calls, errors, cold starts, calls by duration bucket (upper bound µs); and calls running now. */
    private static final class Sums {
        double calls;
        double errors;
        double coldStarts;
        int inFlight;
        double costUsd;
        final TreeMap<Long, Long> durations = new TreeMap<>();
        final java.util.Set<String> nodes = new TreeSet<>();
        final java.util.Set<String> apps = new TreeSet<>();
    }

    /** The frame {@code skyfn top} prints for the window from {@code before} to {@code now}. */
    static String render(JsonNode before, JsonNode now, Duration between, String at) {
        boolean withTenant = tenants(now) > 1;
        Map<String, Series> was = new HashMap<>();
        for (JsonNode n : before.path("nodes")) {
            for (JsonNode f : n.path("functions")) {
                Series s = Series.of(n, f, withTenant);
                was.put(s.key(f), s);
            }
        }
        Map<String, Sums> clouds = new TreeMap<>();
        Map<String, Sums> nodes = new TreeMap<>();
        Map<String, Sums> apps = new TreeMap<>();
        Map<String, String> nodeClouds = new TreeMap<>();
        for (JsonNode n : now.path("nodes")) {
            nodeClouds.put(n.path("node").asText(), n.path("cloud").asText());
            nodes.computeIfAbsent(n.path("node").asText(), k -> new Sums());
            clouds.computeIfAbsent(n.path("cloud").asText(), k -> new Sums()).nodes.add(n.path("node").asText());
            Map<String, Integer> appInFlight = new HashMap<>();
            Map<String, Long> appColdStarts = new HashMap<>();
            for (JsonNode f : n.path("functions")) {
                Series s = Series.of(n, f, withTenant);
                Series old = was.get(s.key(f));
                if (old != null && old.calls() > s.calls()) {
                    old = null; // the node restarted: its counts began again
                }
                Sums app = apps.computeIfAbsent(s.app(), k -> new Sums());
                for (Sums row : List.of(app, nodes.get(s.node()), clouds.get(s.cloud()))) {
                    add(row, s, old);
                }
                if (s.calls() > (old == null ? 0 : old.calls()) || s.inFlight() > 0) {
                    app.nodes.add(s.node());
                    nodes.get(s.node()).apps.add(s.app());
                }
                // an app's cold starts and running calls are counted once per node, not once per function
                appInFlight.put(s.app(), s.inFlight());
                appColdStarts.put(s.app(), s.coldStarts() - (old == null ? 0 : old.coldStarts()));
            }
            appInFlight.forEach((app, running) -> {
                apps.get(app).inFlight += running;
                nodes.get(n.path("node").asText()).inFlight += running;
                clouds.get(n.path("cloud").asText()).inFlight += running;
            });
            for (JsonNode a : n.path("apps")) {
                String app = (withTenant ? a.path("tenant").asText() + "/" : "") + a.path("app").asText();
                double usd = a.path("costUsd").asDouble();
                for (Sums row : List.of(apps.computeIfAbsent(app, k -> new Sums()), nodes.get(n.path("node").asText()),
                        clouds.get(n.path("cloud").asText()))) {
                    row.costUsd += usd;
                }
            }
            appColdStarts.forEach((app, cold) -> {
                apps.get(app).coldStarts += cold;
                nodes.get(n.path("node").asText()).coldStarts += cold;
                clouds.get(n.path("cloud").asText()).coldStarts += cold;
            });
        }
        double seconds = Math.max(between.toMillis(), 1) / 1000.0;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "skyfn top  %s  window %.1f s  %d node(s) in %d cloud(s)%n", at, seconds, nodes.size(),
                clouds.size()));
        List<String> unreachable = new ArrayList<>();
        now.path("unreachable").forEach(u -> unreachable.add(u.asText()));
        if (!unreachable.isEmpty()) {
            out.append("no answer from ").append(String.join(", ", unreachable)).append(": their counts are missing\n");
        }
        table(out, "CLOUD", clouds, seconds, s -> s.nodes.size() + " node(s)");
        table(out, "NODE", nodes, seconds, s -> s.apps.size() + " app(s)");
        table(out, "APP", apps, seconds, s -> s.nodes.size() + " node(s)");
        return out.toString();
    }

    private static void add(Sums row, Series s, Series old) {
        row.calls += s.calls() - (old == null ? 0 : old.calls());
        row.errors += s.errors() - (old == null ? 0 : old.errors());
        TreeSet<Long> bounds = new TreeSet<>(s.durations().keySet());
        if (old != null) {
            bounds.addAll(old.durations().keySet());
        }
        long below = 0;
        for (long le : bounds) {
            long within = s.callsWithin(le) - (old == null ? 0 : old.callsWithin(le));
            row.durations.merge(le, within - below, Long::sum);
            below = within;
        }
    }

    private static void table(StringBuilder out, String name, Map<String, Sums> rows, double seconds, Function<Sums, String> where) {
        out.append(String.format(Locale.ROOT, "%n%-28s %9s %8s %9s %9s %6s %10s %12s  %s%n", name, "CALLS/S", "ERR/S", "P50 ms", "P99 ms",
                "COLD", "IN FLIGHT", "COST $", "ON"));
        rows.forEach((key, s) -> out.append(String.format(Locale.ROOT, "%-28s %9.1f %8.1f %9s %9s %6d %10d %12.6f  %s%n", key,
                s.calls / seconds, s.errors / seconds, ms(quantile(s.durations, 0.5)), ms(quantile(s.durations, 0.99)), (long) s.coldStarts,
                s.inFlight, s.costUsd, where.apply(s))));
    }

    /**
     * The {@code q} quantile (µs) of the calls counted in {@code buckets} (upper bound µs → calls in
     * the bucket ending there), interpolated linearly within its bucket; NaN when none was counted.
     */
    static double quantile(TreeMap<Long, Long> buckets, double q) {
        long total = buckets.values().stream().mapToLong(Long::longValue).sum();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        long lowerBound = 0;
        long below = 0;
        for (var b : buckets.entrySet()) {
            long upTo = below + b.getValue();
            if (upTo >= rank && b.getValue() > 0) {
                return lowerBound + (b.getKey() - lowerBound) * (rank - below) / b.getValue();
            }
            lowerBound = b.getKey();
            below = upTo;
        }
        return buckets.lastKey();
    }

    private static String ms(double micros) {
        if (Double.isNaN(micros)) {
            return "-";
        }
        double ms = micros / 1000.0;
        return ms < 10 ? String.format(Locale.ROOT, "%.2f", ms) : String.format(Locale.ROOT, "%.0f", ms);
    }

    private static int tenants(JsonNode stats) {
        var tenants = new TreeSet<String>();
        stats.path("nodes").forEach(n -> n.path("functions").forEach(f -> tenants.add(f.path("tenant").asText())));
        return tenants.size();
    }
}
