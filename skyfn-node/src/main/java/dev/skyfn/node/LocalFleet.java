package dev.skyfn.node;

import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.core.cloud.Topology;
import java.util.List;
import java.util.function.Supplier;

/**
 * The embedded default as a fleet: one trusted cloud, {@code local}, of one node, this one. Its
 * memory is what one sandbox may hold at most; its load, the share of its sandboxes loaded with
 * apps. An app whose sandbox's whole memory limit (heap and native allowance) exceeds it is not placed.
 */
final class LocalFleet implements Fleet {

    private final String node;
    private final int maxSandboxes;
    private final int memoryMb;
    private final Topology topology;
    private volatile Supplier<Integer> loadedSandboxes = () -> 0;

    /** The fleet of one node, named {@code node} as the node calls itself (in its logs, usage records and counts). */
    LocalFleet(String node, int maxSandboxes, long sandboxMemoryBytes) {
        this.node = node;
        this.maxSandboxes = maxSandboxes;
        this.memoryMb = (int) Math.min(Integer.MAX_VALUE, sandboxMemoryBytes >> 20);
        this.topology = Topology.local(node, Runtime.getRuntime().availableProcessors(), memoryMb);
    }

    /** Placed as in a fleet, by its heap; refused, with the scheduler's reasons, when its sandbox's whole limit would not fit. */
    @Override
    public dev.skyfn.control.placement.Placement place(dev.skyfn.core.manifest.Manifest manifest) {
        int limitMb = dev.skyfn.node.sandbox.Sandbox.memoryLimitMb(manifest.memoryMb());
        return dev.skyfn.control.placement.Scheduler.place(manifest.placement(), limitMb > memoryMb ? limitMb : manifest.memoryMb(),
                topology(), nodes());
    }

    void watch(Node node) {
        loadedSandboxes = () -> node.sandboxes().values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public List<NodeStatus> nodes() {
        double load = Math.min(1.0, loadedSandboxes.get() / (double) maxSandboxes);
        return List.of(new NodeStatus(node, Topology.LOCAL, true, memoryMb, load));
    }
}
