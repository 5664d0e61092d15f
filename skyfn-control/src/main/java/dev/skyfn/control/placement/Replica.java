package dev.skyfn.control.placement;

/**
 * One node serving an app in the placement in force.
 *
 * @param memoryMb the app's memory on that node, MiB (the placement's overrides may change it per cloud)
 */
public record Replica(String cloud, String node, int memoryMb) {
}
