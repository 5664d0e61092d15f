package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
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
            JsonNode nodes = api.client().json("GET", "/v1/nodes", null).get("nodes");
            System.out.printf("%-18s %-14s %-6s %10s %5s%n", "NODE", "CLOUD", "STATE", "FREE MIB", "LOAD");
            for (JsonNode n : nodes) {
                System.out.printf("%-18s %-14s %-6s %10d %5.2f%n", n.get("name").asText(), n.get("cloud").asText(),
                        n.get("alive").asBoolean() ? "alive" : "dead", n.get("freeMemoryMb").asInt(), n.get("load").asDouble());
            }
            return 0;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Where an app runs and why: every cloud, its score, and why it was taken or refused.")
    static final class Explain implements Callable<Integer> {
        @Mixin
        ClientOptions api;

        @Parameters(paramLabel = "APP")
        String app;

        @Override
        public Integer call() {
            JsonNode p = api.client().json("GET", "/v1/apps/" + app + "/placement", null);
            if (p.get("placed").asBoolean()) {
                var where = new ArrayList<String>();
                for (JsonNode a : p.get("assignments")) {
                    where.add(a.get("cloud").asText() + " (" + join(a.get("nodes")) + ", " + a.get("memoryMb").asInt() + " MiB)");
                }
                System.out.println(app + " runs on " + String.join(", ", where));
            } else {
                System.out.println(app + " cannot be placed now: " + p.get("problem").asText());
            }
            System.out.printf("%-14s %-10s %8s %6s %8s %5s  %s%n", "CLOUD", "GROUP", "REPLICAS", "SCORE", "COST/LAT", "LOAD", "WHY");
            for (JsonNode c : p.get("clouds")) {
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

    private static String join(JsonNode texts) {
        return join(texts, ",");
    }

    private static String join(JsonNode texts, String separator) {
        var all = new ArrayList<String>();
        texts.forEach(t -> all.add(t.asText()));
        return all.isEmpty() ? "-" : String.join(separator, all);
    }
}
