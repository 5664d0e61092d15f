package dev.skyfn.nats.nodes;

import java.util.List;

/**
 * What a node says of itself in each heartbeat.
 *
 * @param node         its name, unique in the topology
 * @param cloud        the cloud it belongs to
 * @param gateway      the base URL of its HTTP gateway
 * @param freeMemoryMb memory it can still give sandboxes
 * @param load         how busy it is, from 0 (idle) to 1 (no spare capacity)
 * @param apps         the apps it is ready to serve, as {@code tenant/app@version}
 */
public record NodeReport(String node, String cloud, String gateway, int freeMemoryMb, double load, List<String> apps) {

    public NodeReport {
        apps = List.copyOf(apps);
    }
}
