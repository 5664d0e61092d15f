package dev.skyfn.control.api;

import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.control.placement.Placement;
import dev.skyfn.control.placement.Replica;
import dev.skyfn.core.Fields;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Pricing;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The JSON of clouds, nodes and placements in the API. */
final class PlacementViews {

    private PlacementViews() {
    }

    static Map<String, Object> cloud(Cloud c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", c.name());
        v.put("provider", c.provider());
        v.put("region", c.region());
        v.put("labels", c.allLabels());
        v.put("trust", Fields.spelling(c.trust()));
        v.put("hardware", c.hardware().stream().sorted().toList());
        v.put("edge", c.edge());
        v.put("pricing", pricing(c.pricing()));
        v.put("startup", c.startup().toMillis() / 1000.0);
        v.put("maxNodes", c.maxNodes());
        v.put("nodes", c.nodes().stream().map(n -> n.name()).toList());
        return v;
    }

    /** The topology's round trips in ms: from each user region to each cloud, and between each pair of clouds. */
    static Map<String, Object> latency(dev.skyfn.core.cloud.Topology t) {
        List<String> clouds = t.clouds().stream().map(Cloud::name).toList();
        Map<String, Map<String, Double>> users = new LinkedHashMap<>();
        t.regions().stream().sorted().forEach(region -> {
            Map<String, Double> row = new LinkedHashMap<>();
            clouds.forEach(c -> row.put(c, t.latency(region, c)));
            users.put(region, row);
        });
        Map<String, Map<String, Double>> between = new LinkedHashMap<>();
        for (String a : clouds) {
            Map<String, Double> row = new LinkedHashMap<>();
            clouds.forEach(b -> row.put(b, t.latencyBetween(a, b)));
            between.put(a, row);
        }
        return Map.of("users", users, "between", between);
    }

    private static Map<String, Object> pricing(Pricing p) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", Fields.spelling(p.model()));
        v.put("gbSecond", p.gbSecond());
        v.put("vcpuSecond", p.vcpuSecond());
        v.put("request", p.request());
        v.put("egressGb", p.egressGb());
        if (p.spot()) {
            v.put("preemptionNoticeSeconds", p.preemptionNotice().toSeconds());
        }
        return v;
    }

    static Map<String, Object> node(NodeStatus n) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", n.node());
        v.put("cloud", n.cloud());
        v.put("alive", n.alive());
        v.put("freeMemoryMb", n.freeMemoryMb());
        v.put("load", n.load());
        return v;
    }

    /**
     * An app's placement: {@code inForce}, the replicas it runs on (each with {@code node},
     * {@code cloud}, {@code memoryMb} and whether the node is {@code alive}), and {@code scheduler},
     * what the scheduler would choose now ({@link #explanation}); the explanation's fields are also
     * at the top, as before there was a placement in force to show.
     */
    static Map<String, Object> placement(String app, List<Replica> inForce, Set<String> alive, Placement now) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("app", app);
        v.put("inForce", inForce.stream().map(r -> {
            Map<String, Object> rv = new LinkedHashMap<>();
            rv.put("node", r.node());
            rv.put("cloud", r.cloud());
            rv.put("memoryMb", r.memoryMb());
            rv.put("alive", alive.contains(r.node()));
            return rv;
        }).toList());
        Map<String, Object> explanation = explanation(now);
        v.put("scheduler", explanation);
        v.putAll(explanation);
        return v;
    }

    /**
     * What the scheduler would choose now: {@code placed}, the {@code problem} when it cannot,
     * {@code assignments} (cloud, nodes, memoryMb, env) and every cloud's verdict in {@code clouds}.
     */
    private static Map<String, Object> explanation(Placement p) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("placed", p.placed());
        p.problem().ifPresent(problem -> v.put("problem", problem));
        v.put("assignments", p.assignments().stream().map(a -> {
            Map<String, Object> av = new LinkedHashMap<>();
            av.put("cloud", a.cloud());
            av.put("nodes", a.nodes());
            av.put("memoryMb", a.memoryMb());
            av.put("env", a.env());
            return av;
        }).toList());
        v.put("clouds", p.verdicts().stream().map(PlacementViews::verdict).toList());
        return v;
    }

    private static Map<String, Object> verdict(Placement.Verdict c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("cloud", c.cloud());
        c.group().ifPresent(g -> v.put("group", g));
        v.put("taken", c.taken());
        v.put("replicas", c.replicas());
        c.score().ifPresent(s -> v.put("score", s));
        v.put("scoreParts", c.parts());
        v.put("reasons", c.reasons());
        return v;
    }

    /** The verdicts in one line each, for an error message. */
    static String reasons(Placement p) {
        return p.verdicts().stream().map(c -> c.cloud() + ": " + String.join("; ", c.reasons().isEmpty() ? List.of("passed") : c.reasons()))
                .collect(Collectors.joining(" | "));
    }
}
