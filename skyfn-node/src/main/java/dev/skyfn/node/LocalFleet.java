package dev.skyfn.node;

import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.core.cloud.Topology;
import java.util.List;
import java.util.function.Supplier;

/**
 * The embedded default as a fleet: one trusted cloud, {@code local}, of one node, this one. Its
 * memory is what its sandboxes may use at most; its load, the share of them loaded with apps.
 */
final class LocalFleet implements Fleet {

    private static final int MB_PER_SANDBOX = 256;

    private final String node;
    private final int maxSandboxes;
    private final Topology topology;
    private volatile Supplier<Integer> loadedSandboxes = () -> 0;

    /** The fleet of one node, named {@code node} as the node calls itself (in its logs, usage records and counts). */
    LocalFleet(String node, int maxSandboxes) {
        this.node = node;
        this.maxSandboxes = maxSandboxes;
        this.topology = Topology.local(node, Runtime.getRuntime().availableProcessors(), maxSandboxes * MB_PER_SANDBOX);
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
        return List.of(new NodeStatus(node, Topology.LOCAL, true, maxSandboxes * MB_PER_SANDBOX, load));
    }
}
