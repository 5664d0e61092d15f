package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The clouds and nodes apps run on, and why an app runs where it does. */
final class CloudCommands {

    private CloudCommands() {
    }

    @Command(name = "clouds", mixinStandardHelpOptions = true, description = "List the clouds: provider, region, pricing, trust, hardware, nodes.")
    static final class Clouds implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Override
        public Integer call() {
            JsonNode clouds = api.client().json("GET", "/v1/clouds", null).get("clouds");
            System.out.printf("%-14s %-9s %-12s %-10s %-10s %12s %-6s %-5s  %s%n", "CLOUD", "PROVIDER", "REGION", "PRICING", "TRUST",
                    "$/GB-S", "HW", "EDGE", "NODES");
            for (JsonNode c : clouds) {
                System.out.printf("%-14s %-9s %-12s %-10s %-10s %12.9f %-6s %-5s  %s%n", c.get("name").asText(), c.get("provider").asText(),
                        c.get("region").asText(), c.get("pricing").get("model").asText(), c.get("trust").asText(),
                        c.get("pricing").get("gbSecond").asDouble(), join(c.get("hardware")), c.get("edge").asBoolean() ? "yes" : "no",
                        join(c.get("nodes")));
            }
            return 0;
        }
    }

    @Command(name = "nodes", mixinStandardHelpOptions = true, description = "List the nodes: cloud, alive or dead, free memory, load.")
    static final class Nodes implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Override
        public Integer call() {
            JsonNode view = api.client().json("GET", "/v1/nodes", null);
            System.out.printf("%-18s %-14s %-6s %10s %5s%n", "NODE", "CLOUD", "STATE", "FREE MIB", "LOAD");
            for (JsonNode n : view.get("nodes")) {
                System.out.printf("%-18s %-14s %-6s %10d %5.2f%n", n.get("name").asText(), n.get("cloud").asText(),
                        n.get("alive").asBoolean() ? "alive" : "dead", n.get("freeMemoryMb").asInt(), n.get("load").asDouble());
            }
            JsonNode elastic = view.path("elastic");
            if (!elastic.isEmpty()) {
                System.out.printf("%nelastic nodes, from the request for them to their release:%n");
                System.out.printf("%-18s %-14s %-9s %-24s %9s %-8s %10s  %s%n", "NODE", "CLOUD", "LIFECYCLE", "REQUESTED", "$/HOUR",
                        "BILLED", "COST $", "WHY");
                for (JsonNode n : elastic) {
                    System.out.printf("%-18s %-14s %-9s %-24s %9.4f %-8s %10.6f  %s%n", n.get("node").asText(), n.get("cloud").asText(),
                            n.get("state").asText(), n.get("requestedAt").asText(), n.get("pricePerHour").asDouble(),
                            n.path("billed").asText("held"), n.get("costUsd").asDouble(), n.get("why").asText());
                }
            }
            return 0;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Where an app runs (its placement in force, each node alive or dead, and the decision that put it there)"
                    + " and where the scheduler would place it now, at the prices of the moment: every cloud, its score, and why it"
                    + " would be taken or refused.")
    static final class Explain implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP")
        String app;

        @Override
        public Integer call() {
            JsonNode p = api.client().json("GET", "/v1/apps/" + Client.segment(app) + "/placement", null);
            System.out.println("in force:      " + app + " runs on " + inForce(p.get("inForce")));
            JsonNode change = p.path("lastChange");
            if (!change.isMissingNode()) {
                System.out.println("since:         " + change.get("at").asText() + ", " + change.get("why").asText());
            }
            JsonNode now = p.get("scheduler");
            if (now.get("placed").asBoolean()) {
                var where = new ArrayList<String>();
                for (JsonNode a : now.get("assignments")) {
                    where.add(a.get("cloud").asText() + " (" + join(a.get("nodes"), ", ") + ", " + a.get("memoryMb").asInt() + " MiB)");
                }
                System.out.println("scheduler now: " + app + " would run on " + String.join(", ", where));
            } else {
                System.out.println("scheduler now: " + app + " cannot be placed: " + now.get("problem").asText());
            }
            JsonNode prices = p.path("prices");
            if (!prices.isEmpty()) {
                var listed = new ArrayList<String>();
                prices.properties().forEach(e -> listed.add(String.format("%s $%.7f/GiB-s $%.7f/vCPU-s", e.getKey(),
                        e.getValue().get("gbSecond").asDouble(), e.getValue().get("vcpuSecond").asDouble())));
                System.out.println("prices now:    " + String.join("; ", listed));
            }
            System.out.printf("%-14s %-10s %8s %6s %8s %5s  %s%n", "CLOUD", "GROUP", "REPLICAS", "SCORE", "COST/LAT", "LOAD", "WHY");
            for (JsonNode c : now.get("clouds")) {
                JsonNode parts = c.get("scoreParts");
                System.out.printf("%-14s %-10s %8d %6s %8s %5s  %s%n", c.get("cloud").asText(), c.path("group").asText("-"),
                        c.get("replicas").asInt(), c.has("score") ? String.format("%.3f", c.get("score").asDouble()) : "-",
                        parts.has("cost") ? String.format("%.2f/%.2f", parts.get("cost").asDouble(), parts.get("latency").asDouble()) : "-",
                        parts.has("load") ? String.format("%.2f", parts.get("load").asDouble()) : "-",
                        c.get("taken").asBoolean() && c.get("reasons").isEmpty() ? "taken" : join(c.get("reasons"), "; "));
            }
            return 0;
        }
    }

    @Command(name = "scaling", mixinStandardHelpOptions = true,
            description = "How an app's replicas follow its load: its scaling settings, the replicas in force, and the "
                    + "autoscaler's recent decisions with the numbers behind them.")
    static final class Scaling implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP")
        String app;

        @Override
        public Integer call() {
            JsonNode s = api.client().json("GET", "/v1/apps/" + Client.segment(app) + "/scaling", null);
            JsonNode spec = s.get("scaling");
            if (spec == null || spec.isNull()) {
                System.out.println(app + " is not autoscaled: it keeps the " + s.get("replicas").asInt()
                        + " replica(s) its placement gives it (add scaling: {target, min, max} to its skyfn.yaml)");
                return 0;
            }
            System.out.printf("%s: %d replica(s) now; target %d calls in flight each, min %d, max %d; windows %s stable, %s panic; "
                            + "to zero after %s idle; scale-down delay %s%n", app, s.get("replicas").asInt(), spec.get("target").asInt(),
                    spec.get("min").asInt(), spec.get("max").asInt(), spec.get("window").asText(), spec.get("panicWindow").asText(),
                    spec.get("scaleToZeroAfter").asText(), spec.get("scaleDownDelay").asText());
            JsonNode latest = s.get("latest");
            if (latest == null || latest.isNull()) {
                System.out.println("no decision yet (the autoscaler decides at each tick of the fleet's control loop, once a second, on one node of a fleet; on one node, the app runs there)");
                return 0;
            }
            System.out.printf("%-24s %-14s %5s %8s %7s %7s  %s%n", "AT", "NODE", "READY", "REPLICAS", "STABLE", "PANIC", "WHY");
            List<JsonNode> rows = new ArrayList<>();
            s.get("changes").forEach(rows::add);
            if (rows.isEmpty() || !rows.getLast().equals(latest)) {
                rows.add(latest);
            }
            for (JsonNode d : rows) {
                System.out.printf("%-24s %-14s %5d %8d %7.2f %7.2f  %s%n", d.get("at").asText(), d.get("node").asText(),
                        d.get("ready").asInt(), d.get("replicas").asInt(), d.get("stable").asDouble(), d.get("panic").asDouble(),
                        d.get("why").asText());
            }
            return 0;
        }
    }

    /** The replicas in force by cloud, in their order: {@code spot-eu (spot-eu-1, spot-eu-2 dead, 256 MiB)}. */
    static String inForce(JsonNode replicas) {
        var byCloud = new LinkedHashMap<String, List<String>>();
        var memory = new LinkedHashMap<String, Integer>();
        for (JsonNode r : replicas) {
            String cloud = r.get("cloud").asText();
            byCloud.computeIfAbsent(cloud, c -> new ArrayList<>()).add(r.get("node").asText() + (r.get("alive").asBoolean() ? "" : " dead"));
            memory.putIfAbsent(cloud, r.get("memoryMb").asInt());
        }
        var where = new ArrayList<String>();
        byCloud.forEach((cloud, nodes) -> where.add(cloud + " (" + String.join(", ", nodes) + ", " + memory.get(cloud) + " MiB)"));
        return where.isEmpty() ? "no node" : String.join(", ", where);
    }

    /** The texts of a JSON array, comma-separated; "-" for none. */
    static String join(JsonNode texts) {
        return join(texts, ",");
    }

    private static String join(JsonNode texts, String separator) {
        var all = new ArrayList<String>();
        texts.forEach(t -> all.add(t.asText()));
        return all.isEmpty() ? "-" : String.join(separator, all);
    }
}
