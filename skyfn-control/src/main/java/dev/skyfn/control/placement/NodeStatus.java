package dev.skyfn.control.placement;

/**
 * What the control plane last heard from a node.
 *
 * @param node         its name
 * @param cloud        the cloud it belongs to
 * @param alive        whether it still heartbeats
 * @param freeMemoryMb memory it can still give sandboxes
 * @param load         how busy it is, from 0 (idle) to 1 (no spare capacity)
 */
public record NodeStatus(String node, String cloud, boolean alive, int freeMemoryMb, double load) {
}
