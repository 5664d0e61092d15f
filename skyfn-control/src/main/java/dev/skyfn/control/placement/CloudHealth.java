package dev.skyfn.control.placement;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which clouds fail their health checks, a pure function of what their nodes reported: a cloud of
 * at least two nodes fails while more than half of them miss their heartbeats — a failure that
 * takes most of a cloud (a zone, its network, its NATS server) is likely to take the rest, so the
 * fleet moves its apps off the nodes it still has there, warm before they go, as off nodes under
 * a preemption notice, and places nothing new there until most of its nodes are back. One node
 * dying is that node's failure, not its cloud's: failover replaces it. Nodes that said goodbye,
 * or that are leaving under a notice, are left out by the caller: they fail no check.
 */
public final class CloudHealth {

    private CloudHealth() {
    }

    /**
     * The failing clouds among those of {@code heardFrom} (every node the fleet has heard from and
     * expects back), each with why.
     */
    public static Map<String, String> failing(Collection<NodeStatus> heardFrom) {
        Map<String, String> failing = new TreeMap<>();
        heardFrom.stream().collect(Collectors.groupingBy(NodeStatus::cloud)).forEach((cloud, nodes) -> {
            long dead = nodes.stream().filter(n -> !n.alive()).count();
            if (nodes.size() >= 2 && dead * 2 > nodes.size()) {
                failing.put(cloud, dead + " of its " + nodes.size() + " nodes missed their heartbeats");
            }
        });
        return failing;
    }
}
