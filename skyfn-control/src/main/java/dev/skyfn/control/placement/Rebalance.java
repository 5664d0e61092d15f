package dev.skyfn.control.placement;

import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.PlacementSpec;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether an app should move because prices changed: a pure function of its placement, the
 * topology at today's prices, the nodes and where the app runs. The app moves when placing it
 * afresh, with as many replicas as it has, would cost less per busy second than where it runs by
 * more than a hysteresis margin — so that prices wobbling around each other do not move it back
 * and forth. The placement's filters hold as at any placement: the latency SLO
 * ({@code require.maxLatency}), the trust and hardware required, the affinity groups. Only cost
 * decides a move; load, which changes from moment to moment, does not — but for an app whose
 * replicas off spot clouds have fallen below its {@code onDemandFloor} (a node given back, no room
 * when it was placed), which moves whatever it costs once there is room off spot.
 */
public final class Rebalance {

    /** The default margin: the new placement must cost at least 20% less. */
    public static final double HYSTERESIS = 0.2;

    private Rebalance() {
    }

    /**
     * A move: the app's replicas go from the nodes {@code from} to the nodes {@code to}.
     *
     * @param costBefore what its replicas cost per busy second where they are, US dollars
     * @param costAfter  the same where they would go
     */
    public record Move(List<String> from, Placement to, double costBefore, double costAfter, String why) {
    }

    /**
     * Decides for an app of {@code memoryMb} placed by {@code spec} that runs on the {@code current}
     * nodes; empty when it stays (a node of it dead: that is failover's to handle).
     */
    public static Optional<Move> decide(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes,
                                        List<String> current, double hysteresis) {
        if (current.isEmpty()) {
            return Optional.empty();
        }
        Map<String, NodeStatus> byName = nodes.stream().collect(Collectors.toMap(NodeStatus::node, n -> n, (a, b) -> a));
        if (!current.stream().allMatch(n -> byName.containsKey(n) && byName.get(n).alive())) {
            return Optional.empty();
        }
        Placement best = Scheduler.place(spec.withReplicas(current.size()), memoryMb, topology, nodes);
        if (!best.placed() || best.nodes().size() < current.size() || Set.copyOf(best.nodes()).equals(Set.copyOf(current))) {
            return Optional.empty();
        }
        double before = current.stream().mapToDouble(n -> perBusySecond(topology, byName.get(n).cloud(), spec, memoryMb)).sum();
        double after = best.assignments().stream()
                .mapToDouble(a -> a.nodes().size() * perBusySecond(topology, a.cloud(), spec, memoryMb)).sum();
        int floor = Math.min(spec.onDemandFloor(), current.size());
        long offSpot = current.stream().filter(n -> !topology.spot(byName.get(n).cloud())).count();
        long offSpotAfter = best.assignments().stream().filter(a -> !topology.spot(a.cloud())).mapToInt(a -> a.nodes().size()).sum();
        if (offSpot < floor && offSpotAfter > offSpot) {
            return Optional.of(new Move(List.copyOf(current), best, before, after, String.format(Locale.ROOT,
                    "its onDemandFloor asks for %d replica(s) off spot clouds; it has %d there, %d after the move", floor, offSpot,
                    offSpotAfter)));
        }
        if (!(after < before * (1 - hysteresis))) {
            return Optional.empty();
        }
        String clouds = best.assignments().stream().map(Placement.Assignment::cloud).distinct().collect(Collectors.joining(", "));
        String why = String.format(Locale.ROOT, "at today's prices its %d replica(s) cost $%.8f per busy second where they run and "
                        + "$%.8f on %s: %.0f%% less, beyond the %.0f%% margin", current.size(), before, after, clouds,
                100 * (1 - after / before), 100 * hysteresis);
        return Optional.of(new Move(List.copyOf(current), best, before, after, why));
    }

    /** What one replica costs per busy second on {@code cloud}, with the memory the placement's overrides give it there. */
    private static double perBusySecond(Topology topology, String cloud, PlacementSpec spec, int memoryMb) {
        Cloud c = topology.cloud(cloud).orElseThrow();
        int memory = memoryMb;
        for (PlacementSpec.Override o : spec.overrides()) {
            if (o.where().matches(c) && o.memoryMb().isPresent()) {
                memory = o.memoryMb().getAsInt();
            }
        }
        return c.pricing().perBusySecond(memory);
    }
}
