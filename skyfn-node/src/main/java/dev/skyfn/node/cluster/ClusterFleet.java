package dev.skyfn.node.cluster;

import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.nodes.NodeDirectory;
import java.util.List;

/** The fleet as the nodes' heartbeats describe it. */
final class ClusterFleet implements Fleet {

    private final Topology topology;
    private final NodeDirectory directory;

    ClusterFleet(Topology topology, NodeDirectory directory) {
        this.topology = topology;
        this.directory = directory;
    }

    @Override
    public Topology topology() {
        return topology;
    }

    /** Every node of the topology; one never heard from is not alive. */
    @Override
    public List<NodeStatus> nodes() {
        return topology.clouds().stream().flatMap(c -> c.nodes().stream().map(n -> directory.member(n.name())
                .map(m -> new NodeStatus(n.name(), c.name(), m.alive(), m.report().freeMemoryMb(), m.report().load()))
                .orElse(new NodeStatus(n.name(), c.name(), false, 0, 1.0)))).toList();
    }
}
