package dev.skyfn.node.cluster;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.nodes.NodeDirectory;
import java.util.Comparator;
import java.util.List;

/** Where an invocation from a region should run: a pure ranking of the live nodes serving its app. */
public final class Routes {

    /** A node's load at which it has no spare capacity left. */
    static final double FULL = 0.95;

    private Routes() {
    }

    /** A node able to run the call, with what ranks it. */
    public record Candidate(String node, String cloud, double latencyMs, double load, boolean self) {
        boolean full() {
            return load >= FULL;
        }
    }

    /**
     * The live nodes serving {@code app}, best first: those with spare capacity before full ones,
     * then by round trip from {@code region}, then this node ({@code self}) before others, then by load.
     * This node counts as live whatever its directory says: a node cut off from the fleet (its
     * NATS server gone) does not hear its own heartbeat, yet still serves its own apps.
     */
    public static List<Candidate> rank(String self, String region, AppKey app, Topology topology, List<NodeDirectory.Member> members) {
        String served = app + "@";
        return members.stream()
                .filter(m -> (m.alive() || m.report().node().equals(self)) && m.report().apps().stream().anyMatch(a -> a.startsWith(served)))
                .map(m -> new Candidate(m.report().node(), m.report().cloud(), topology.latency(region, m.report().cloud()),
                        m.report().load(), m.report().node().equals(self)))
                .sorted(Comparator.comparing(Candidate::full).thenComparingDouble(Candidate::latencyMs)
                        .thenComparing(c -> !c.self()).thenComparingDouble(Candidate::load).thenComparing(Candidate::node))
                .toList();
    }

    /** The user region nearest a cloud: where a call without a region is taken to come from. */
    static String nearestRegion(Topology topology, String cloud) {
        return topology.regions().stream().min(Comparator.comparingDouble((String r) -> topology.latency(r, cloud))
                .thenComparing(r -> r)).orElseThrow(() -> new IllegalArgumentException("the topology has no user regions"));
    }

    static String checkRegion(Topology topology, String region) {
        if (!topology.regions().contains(region)) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "unknown region '" + region + "' (the topology's regions: "
                    + String.join(", ", topology.regions().stream().sorted().toList()) + ")");
        }
        return region;
    }
}
