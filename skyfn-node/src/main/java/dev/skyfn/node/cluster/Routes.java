package dev.skyfn.node.cluster;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.nodes.NodeDirectory;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/** Where an invocation from a region should run: a pure ranking of the live nodes serving its app. */
public final class Routes {

    /** A node's load at which it has no spare capacity left. */
    static final double FULL = 0.95;

    private Routes() {
    }

    /**
     * A node able to run the call, with what ranks it: {@code inFlight} of the app's calls there,
     * {@code saturated} at its limit, {@code leaving} when its cloud is taking it back.
     */
    public record Candidate(String node, String cloud, double latencyMs, double load, boolean self, int inFlight, boolean saturated,
                            boolean leaving) {
        boolean full() {
            return load >= FULL;
        }

        /** Among nodes at their limit, the shortest queue first; below it, in-flight calls do not outrank distance. */
        int queue() {
            return saturated ? inFlight : 0;
        }
    }

    /**
     * How busy the app keeps each node, as a gateway sees it.
     *
     * @param limit       how many of the app's calls a node runs at once (its function's {@code concurrency})
     * @param outstanding the app's calls this gateway has in flight on a node
     */
    public record Busy(int limit, ToIntFunction<String> outstanding) {
        /** Nothing known: no node is taken for saturated. */
        public static final Busy UNKNOWN = new Busy(Integer.MAX_VALUE, node -> 0);
    }

    /** {@link #rank(String, String, AppKey, Topology, List, Busy)} knowing nothing of the nodes' calls in flight. */
    public static List<Candidate> rank(String self, String region, AppKey app, Topology topology, List<NodeDirectory.Member> members) {
        return rank(self, region, app, topology, members, Busy.UNKNOWN);
    }

    /**
     * The live nodes serving {@code app}, best first: nodes that stay before those their cloud is
     * taking back (a leaving node runs a call only when no other can), those with spare capacity before full ones,
     * those below the app's concurrency limit before those at it (which queue: the shortest queue
     * first), then by round trip from {@code region}, then this node ({@code self}) before others,
     * then by calls in flight, then by load — so that a gateway fills its nearest replicas up to
     * their limit and spills the rest to the next nearest, as a least-outstanding-requests balancer
     * does, rather than queueing at the nearest while others idle. A node's calls in flight are the
     * more of what this gateway has sent it and what its last heartbeat reported (every gateway's).
     * This node counts as live whatever its directory says: a node cut off from the fleet (its
     * NATS server gone) does not hear its own heartbeat, yet still serves its own apps.
     */
    public static List<Candidate> rank(String self, String region, AppKey app, Topology topology, List<NodeDirectory.Member> members,
                                       Busy busy) {
        String served = app + "@";
        return members.stream()
                .filter(m -> (m.alive() || m.report().node().equals(self)) && m.report().apps().stream().anyMatch(a -> a.startsWith(served)))
                .map(m -> {
                    String node = m.report().node();
                    int inFlight = Math.max(busy.outstanding().applyAsInt(node),
                            (int) Math.round(m.report().concurrency().getOrDefault(app.toString(), 0.0)));
                    return new Candidate(node, m.report().cloud(), topology.latency(region, m.report().cloud()), m.report().load(),
                            node.equals(self), inFlight, inFlight >= busy.limit(), m.report().leaving());
                })
                .sorted(BEST_FIRST)
                .toList();
    }

    /** The order {@link #rank} gives, made once: every call is ranked. */
    private static final Comparator<Candidate> BEST_FIRST = Comparator.comparing(Candidate::leaving).thenComparing(Candidate::full)
            .thenComparing(Candidate::saturated).thenComparingInt(Candidate::queue).thenComparingDouble(Candidate::latencyMs)
            .thenComparing(c -> !c.self()).thenComparingInt(Candidate::inFlight).thenComparingDouble(Candidate::load)
            .thenComparing(Candidate::node);

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
