package dev.skyfn.node.cluster;

import dev.skyfn.control.placement.Replica;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.nats.nodes.NodeReport;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of each of an app's replicas, as the fleet hears its nodes: {@code ready} (its node is
 * alive and says it serves the app), {@code pending} (alive, the app not loaded there yet),
 * {@code draining} (its node's cloud is taking it back) or {@code unreachable} (its node is not
 * heard). A pure function of the placement and the nodes' last reports.
 */
final class ReplicaStates {

    static final List<String> STATES = List.of("ready", "pending", "draining", "unreachable");

    private ReplicaStates() {
    }

    /**
     * How many of {@code placed} are in each state, every state named (zero included); {@code heard}
     * holds the report of each node heard alive, by name.
     */
    static Map<String, Integer> count(AppKey app, List<Replica> placed, Map<String, NodeReport> heard) {
        Map<String, Integer> counts = new TreeMap<>();
        STATES.forEach(s -> counts.put(s, 0));
        String served = app + "@";
        for (Replica r : placed) {
            NodeReport report = heard.get(r.node());
            String state;
            if (report == null) {
                state = "unreachable";
            } else if (report.leavingAt() != null) {
                state = "draining";
            } else if (report.apps().stream().anyMatch(a -> a.startsWith(served))) {
                state = "ready";
            } else {
                state = "pending";
            }
            counts.merge(state, 1, Integer::sum);
        }
        return counts;
    }
}
