package dev.skyfn.core.cloud;

/**
 * A host of a cloud, as the topology declares it.
 *
 * @param name     unique across the topology
 * @param cloud    the cloud it belongs to
 * @param cpus     its vCPUs
 * @param memoryMb the memory it gives sandboxes, in MiB
 */
public record NodeSpec(String name, String cloud, int cpus, int memoryMb) {
}
