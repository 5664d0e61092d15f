package dev.skyfn.node.cluster;

import dev.skyfn.control.capacity.ElasticNode;
import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.node.capacity.ElasticNodes;
import java.util.List;

/** The fleet as the nodes' heartbeats describe it. */
final class ClusterFleet implements Fleet {

    private final Topology topology;
    private final NodeDirectory directory;
    private final ElasticNodes elastic;
    private final dev.skyfn.core.cloud.PriceFeed prices;
    private final java.time.Clock clock;

    ClusterFleet(Topology topology, NodeDirectory directory, ElasticNodes elastic, dev.skyfn.core.cloud.PriceFeed prices, java.time.Clock clock) {
        this.topology = topology;
        this.directory = directory;
        this.elastic = elastic;
        this.prices = prices;
        this.clock = clock;
    }

    /** The topology at this moment's prices: what placement, re-placement and {@code /v1/clouds} use. */
    @Override
    public Topology topology() {
        if (!prices.moves()) {
            return topology;
        }
        java.time.Instant now = clock.instant();
        return topology.repriced(c -> prices.at(c, now));
    }

    /**
     * Every node the topology lists, one never heard from not alive, and every elastic node alive
     * now (one given back is gone, not dead), cloud by cloud.
     */
    @Override
    public List<NodeStatus> nodes() {
        return topology.clouds().stream().flatMap(c -> java.util.stream.Stream.concat(
                c.nodes().stream().map(n -> status(n.name(), c.name())),
                topology.elasticNodes(c.name()).stream().filter(n -> directory.member(n.name()).map(NodeDirectory.Member::alive).orElse(false))
                        .map(n -> status(n.name(), c.name())))).toList();
    }

    @Override
    public List<ElasticNode> elastic() {
        return elastic.all();
    }

    private NodeStatus status(String node, String cloud) {
        return directory.member(node).map(m -> new NodeStatus(node, cloud, m.alive(), m.report().freeMemoryMb(), m.report().load()))
                .orElse(new NodeStatus(node, cloud, false, 0, 1.0));
    }
}
