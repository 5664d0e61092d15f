package dev.skyfn.control.placement;

import dev.skyfn.core.Fields;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.PlacementSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** One cloud as a home for one app: the filters it passed or failed, its usable nodes, its score. */
final class Candidate {

    final Cloud cloud;
    final int memoryMb;
    final Map<String, String> env;
    final List<String> reasons = new ArrayList<>();
    /** Index of its affinity group; -1 when it is in none. */
    int group = -1;
    /** Live nodes with room for the app, best first, after those that keep a replica of it. */
    List<String> nodes = List.of();
    /** Live nodes that already serve the app and keep doing so: they need no room, and are never taken away. */
    List<String> kept = List.of();
    double cost;
    double latency;
    double load;
    double score = Double.NaN;
    final Map<String, Double> parts = new LinkedHashMap<>();
    int replicas;

    private Candidate(Cloud cloud, int memoryMb, Map<String, String> env) {
        this.cloud = cloud;
        this.memoryMb = memoryMb;
        this.env = env;
    }

    /**
     * {@code cloud} checked against the app's placement; {@link #feasible} says whether it passed.
     * The replicas on live nodes of {@code current} are kept if it passes. Its latency is its mean
     * to the app's {@code callers} when any were counted.
     */
    static Candidate of(Cloud cloud, PlacementSpec spec, int appMemoryMb, Topology topology, Collection<NodeStatus> status,
                        Collection<String> current, Callers callers) {
        int memory = spec.memoryOn(cloud, appMemoryMb);
        var c = new Candidate(cloud, memory, spec.envOn(cloud));
        c.filter(spec, topology);
        if (c.reasons.isEmpty()) {
            c.chooseNodes(status, current);
        }
        if (c.reasons.isEmpty()) {
            c.cost = cloud.pricing().perBusySecond(memory);
            c.latency = !callers.none() ? callers.meanLatency(topology, List.of(cloud.name()))
                    : spec.require().maxLatency().map(l -> topology.latency(l.region(), cloud.name()))
                    .orElseGet(() -> topology.regions().stream().mapToDouble(r -> topology.latency(r, cloud.name())).average().orElse(0));
        }
        return c;
    }

    private void filter(PlacementSpec spec, Topology topology) {
        PlacementSpec.Requirements r = spec.require();
        if (!cloud.trust().satisfies(r.trust())) {
            reasons.add("trust " + Fields.spelling(cloud.trust()) + ", the app requires " + Fields.spelling(r.trust()));
        }
        var missing = r.hardware().stream().filter(h -> !cloud.hardware().contains(h)).sorted().toList();
        if (!missing.isEmpty()) {
            reasons.add("no " + String.join(", ", missing) + " hardware");
        }
        r.maxLatency().ifPresent(l -> {
            if (!topology.regions().contains(l.region())) {
                reasons.add("the topology has no user region '" + l.region() + "'");
            } else if (topology.latency(l.region(), cloud.name()) > l.ms()) {
                reasons.add(ms(topology.latency(l.region(), cloud.name())) + " from " + l.region() + ", over the app's " + ms(l.ms()));
            }
        });
        if (r.maxPrice().isPresent() && cloud.pricing().gbSecond() > r.maxPrice().getAsDouble()) {
            reasons.add("$" + cloud.pricing().gbSecond() + " per GiB-second, over the app's $" + r.maxPrice().getAsDouble());
        }
        for (int i = 0; i < spec.affinity().size() && group < 0; i++) {
            if (spec.affinity().get(i).selector().matches(cloud)) {
                group = i;
            }
        }
        if (spec.affinity().isEmpty()) {
            group = 0;
        } else if (group < 0) {
            reasons.add("in no affinity group");
        }
    }

    private void chooseNodes(Collection<NodeStatus> status, Collection<String> current) {
        List<NodeStatus> mine = status.stream().filter(n -> n.cloud().equals(cloud.name())).toList();
        List<NodeStatus> keeping = current.stream().flatMap(node -> mine.stream().filter(n -> n.alive() && n.node().equals(node))).toList();
        List<NodeStatus> usable = mine.stream().filter(n -> n.alive() && !keeping.contains(n) && n.freeMemoryMb() >= memoryMb)
                .sorted(Comparator.comparingDouble(NodeStatus::load).thenComparing(NodeStatus::freeMemoryMb, Comparator.reverseOrder())
                        .thenComparing(NodeStatus::node))
                .toList();
        if (keeping.isEmpty() && usable.isEmpty()) {
            long alive = mine.stream().filter(NodeStatus::alive).count();
            reasons.add("no live node with " + memoryMb + " MiB free (" + mine.size() + " nodes, " + alive + " alive)");
            return;
        }
        kept = keeping.stream().map(NodeStatus::node).toList();
        replicas = kept.size();
        List<NodeStatus> all = Stream.concat(keeping.stream(), usable.stream()).toList();
        nodes = all.stream().map(NodeStatus::node).toList();
        load = all.stream().mapToDouble(NodeStatus::load).average().orElse(0);
    }

    /** Whether it keeps replicas the app already has. */
    boolean keeps() {
        return !kept.isEmpty();
    }

    boolean feasible() {
        return reasons.isEmpty();
    }

    /** How many replicas it can take: one per usable node. */
    int capacity() {
        return nodes.size();
    }

    /** Scores the feasible candidates against each other: lower is better. */
    static void score(List<Candidate> feasible) {
        double maxCost = feasible.stream().mapToDouble(c -> c.cost).max().orElse(0);
        double maxLatency = feasible.stream().mapToDouble(c -> c.latency).max().orElse(0);
        for (Candidate c : feasible) {
            double cost = maxCost > 0 ? c.cost / maxCost : 0;
            double latency = maxLatency > 0 ? c.latency / maxLatency : 0;
            c.parts.put("cost", round(cost));
            c.parts.put("latency", round(latency));
            c.parts.put("load", round(c.load));
            c.score = round(Scheduler.COST_WEIGHT * cost + Scheduler.LATENCY_WEIGHT * latency + Scheduler.LOAD_WEIGHT * c.load);
        }
    }

    Placement.Verdict verdict(PlacementSpec spec) {
        Optional<String> groupName = spec.affinity().isEmpty() || group < 0
                ? Optional.empty() : Optional.of(spec.affinity().get(group).name());
        return new Placement.Verdict(cloud.name(), groupName, Double.isNaN(score) ? Optional.empty() : Optional.of(score),
                parts, replicas, reasons);
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private static String ms(double ms) {
        return (ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms)) + " ms";
    }
}
