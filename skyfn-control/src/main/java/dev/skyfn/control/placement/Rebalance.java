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
 * Whether an app should move because prices changed or its users moved: a pure function of its
 * placement, the topology at today's prices, the nodes, where the app runs and where its callers
 * are. The app moves to where placing it afresh, with as many replicas as it has, would put it
 * ({@link Scheduler#place}, its clouds' latency weighed by the callers' regions), when that costs
 * less per busy second than where it runs by more than a hysteresis margin, or when it brings its
 * callers nearer — their mean latency to its nearest replica lower by the margin and by at least
 * {@link #MIN_LATENCY_GAIN_MS} — so that prices wobbling around each other, or callers split
 * evenly between two regions, do not move it back and forth. Callers count once at least
 * {@link #MIN_CALLS} calls were seen. The placement's filters hold as at any placement: the
 * latency SLO ({@code require.maxLatency}), the trust and hardware required, the affinity groups.
 * Load, which changes from moment to moment, moves nothing — but an app whose replicas off spot
 * clouds have fallen below its {@code onDemandFloor} (a node given back, no room when it was
 * placed) moves whatever it costs once there is room off spot.
 */
public final class Rebalance {

    /** The default margin: the new placement must cost at least 20% less, or be 20% nearer the callers. */
    public static final double HYSTERESIS = 0.2;
    /** The fewest calls an app's callers are judged by: fewer say little of where its users are. */
    public static final long MIN_CALLS = 100;
    /** The least a move for the callers must bring them nearer, in ms: less is not worth moving an app for. */
    public static final double MIN_LATENCY_GAIN_MS = 5;

    private Rebalance() {
    }

    /** What a move is for. */
    public enum Reason {
        /** Cheaper by the margin at today's prices. */
        PRICE("moved for price"),
        /** Too few replicas off spot clouds for the app's {@code onDemandFloor}. */
        ON_DEMAND_FLOOR("moved for its onDemandFloor"),
        /** Nearer its callers by the margin. */
        CALLERS("moved for its callers"),
        /** Its nodes had their cloud's preemption notice. */
        PREEMPTION("moved"),
        /** Its nodes are in a cloud failing its health checks ({@link CloudHealth}). */
        FAILING_CLOUD("moved off a failing cloud"),
        /** A person migrated it to a cloud. */
        MIGRATION("migrated");

        /** What the app's placement record says once the move is done. */
        public final String done;

        Reason(String done) {
            this.done = done;
        }
    }

    /**
     * A move: the app's replicas go from the nodes {@code from} to the nodes {@code to}.
     *
     * @param costBefore what its replicas cost per busy second where they are, US dollars (0 when not compared)
     * @param costAfter  the same where they would go
     * @param reason     what it is for
     * @param why        the same, in words with the figures compared
     */
    public record Move(List<String> from, Placement to, double costBefore, double costAfter, Reason reason, String why) {
    }

    /**
     * Decides for an app of {@code memoryMb} placed by {@code spec} that runs on the {@code current}
     * nodes, called lately by {@code callers}; empty when it stays (a node of it dead: that is
     * failover's to handle).
     */
    public static Optional<Move> decide(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes,
                                        List<String> current, Callers callers, double hysteresis) {
        if (current.isEmpty()) {
            return Optional.empty();
        }
        Map<String, NodeStatus> byName = nodes.stream().collect(Collectors.toMap(NodeStatus::node, n -> n, (a, b) -> a));
        if (!current.stream().allMatch(n -> byName.containsKey(n) && byName.get(n).alive())) {
            return Optional.empty();
        }
        Callers judged = callers.total() >= MIN_CALLS ? callers : Callers.NONE;
        Placement best = Scheduler.place(spec.withReplicas(current.size()), memoryMb, topology, nodes, judged);
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
            return Optional.of(new Move(List.copyOf(current), best, before, after, Reason.ON_DEMAND_FLOOR, String.format(Locale.ROOT,
                    "its onDemandFloor asks for %d replica(s) off spot clouds; it has %d there, %d after the move", floor, offSpot,
                    offSpotAfter)));
        }
        String clouds = best.assignments().stream().map(Placement.Assignment::cloud).distinct().collect(Collectors.joining(", "));
        if (after < before * (1 - hysteresis)) {
            String why = String.format(Locale.ROOT, "at today's prices its %d replica(s) cost $%.8f per busy second where they run and "
                            + "$%.8f on %s: %.0f%% less, beyond the %.0f%% margin", current.size(), before, after, clouds,
                    100 * (1 - after / before), 100 * hysteresis);
            return Optional.of(new Move(List.copyOf(current), best, before, after, Reason.PRICE, why));
        }
        double far = judged.meanLatency(topology, current.stream().map(n -> byName.get(n).cloud()).distinct().toList());
        double near = judged.meanLatency(topology, best.assignments().stream().map(Placement.Assignment::cloud).toList());
        if (judged.none() || !(near < far * (1 - hysteresis)) || far - near < MIN_LATENCY_GAIN_MS) {
            return Optional.empty();
        }
        var busiest = judged.busiest().orElseThrow();
        String why = String.format(Locale.ROOT, "its callers moved: %.0f%% of its last %d calls came from %s; their mean latency to its "
                        + "nearest replica is %.1f ms where it runs and %.1f ms on %s: %.0f%% less, beyond the %.0f%% margin",
                100 * busiest.getValue(), judged.total(), busiest.getKey(), far, near, clouds, 100 * (1 - near / far), 100 * hysteresis);
        return Optional.of(new Move(List.copyOf(current), best, before, after, Reason.CALLERS, why));
    }

    /** What one replica costs per busy second on {@code cloud}, with the memory the placement's overrides give it there. */
    private static double perBusySecond(Topology topology, String cloud, PlacementSpec spec, int memoryMb) {
        Cloud c = topology.cloud(cloud).orElseThrow();
        return c.pricing().perBusySecond(spec.memoryOn(c, memoryMb));
    }
}
