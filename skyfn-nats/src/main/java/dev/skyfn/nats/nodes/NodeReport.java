package dev.skyfn.nats.nodes;

import java.util.List;
import java.util.Map;

/**
 * What a node says of itself in each heartbeat.
 *
 * @param node         its name, unique in the topology
 * @param cloud        the cloud it belongs to
 * @param gateway      the base URL of its HTTP gateway
 * @param freeMemoryMb memory it can still give sandboxes
 * @param load         how busy it is, from 0 (idle) to 1 (no spare capacity)
 * @param apps         the apps it is ready to serve, as {@code tenant/app@version}
 * @param concurrency  calls in flight per app ({@code tenant/app}) averaged since its last report:
 *                     running or queued in its sandboxes, or waiting at its gateway for the app to
 *                     get a replica; apps with none are left out
 * @param awaiting     calls its gateway has sent to each other node and awaits the answer of, by
 *                     node, at the moment of the report; nodes with none are left out. A node
 *                     others await is not idle, whatever it says of itself: a call it has not yet
 *                     taken up is still on its way to it
 * @param leavingAt    when its cloud takes it back (ISO-8601), from a preemption notice; null while
 *                     it stays. A leaving node is given no new replica and no call another node can
 *                     run, and finishes those it has
 * @param callers      calls its gateway took in its last window per app ({@code tenant/app}), by the
 *                     user region each came from; apps with none are left out. What the fleet moves
 *                     an app nearer its users by
 * @param busyMs       how long, in ms since its process started, it has had at least one call in
 *                     flight (sampled with its concurrency): what a serverless pool bills a node by
 */
public record NodeReport(String node, String cloud, String gateway, int freeMemoryMb, double load, List<String> apps,
                         Map<String, Double> concurrency, Map<String, Integer> awaiting, String leavingAt,
                         Map<String, Map<String, Long>> callers, long busyMs) {

    public NodeReport {
        apps = List.copyOf(apps);
        concurrency = concurrency == null ? Map.of() : Map.copyOf(concurrency);
        awaiting = awaiting == null ? Map.of() : Map.copyOf(awaiting);
        callers = callers == null ? Map.of() : Map.copyOf(callers);
    }

    /** A report with no callers counted, nor busy time. */
    public NodeReport(String node, String cloud, String gateway, int freeMemoryMb, double load, List<String> apps,
                      Map<String, Double> concurrency, Map<String, Integer> awaiting, String leavingAt) {
        this(node, cloud, gateway, freeMemoryMb, load, apps, concurrency, awaiting, leavingAt, Map.of(), 0);
    }

    /** A report of a node that stays. */
    public NodeReport(String node, String cloud, String gateway, int freeMemoryMb, double load, List<String> apps,
                      Map<String, Double> concurrency, Map<String, Integer> awaiting) {
        this(node, cloud, gateway, freeMemoryMb, load, apps, concurrency, awaiting, null);
    }

    /** Whether its cloud is taking it back: it has had a preemption notice. */
    public boolean leaving() {
        return leavingAt != null;
    }

    /** A report with no calls in flight. */
    public NodeReport(String node, String cloud, String gateway, int freeMemoryMb, double load, List<String> apps) {
        this(node, cloud, gateway, freeMemoryMb, load, apps, Map.of(), Map.of());
    }

    /** A report of calls in flight here, and none awaited elsewhere. */
    public NodeReport(String node, String cloud, String gateway, int freeMemoryMb, double load, List<String> apps,
                      Map<String, Double> concurrency) {
        this(node, cloud, gateway, freeMemoryMb, load, apps, concurrency, Map.of());
    }
}
