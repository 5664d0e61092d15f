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
    private final dev.skyfn.control.capacity.CapacityProvider provider;
    private final java.time.Clock clock;

    ClusterFleet(Topology topology, NodeDirectory directory, ElasticNodes elastic, dev.skyfn.core.cloud.PriceFeed prices,
                 dev.skyfn.control.capacity.CapacityProvider provider, java.time.Clock clock) {
        this.provider = provider;
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
     * now (one given back is gone, not dead), cloud by cloud; a node that has had its cloud's
     * preemption notice is not alive, nor one of a cloud failing its health checks.
     */
    @Override
    public List<NodeStatus> nodes() {
        java.util.Set<String> failing = failing().keySet();
        return topology.clouds().stream().flatMap(c -> java.util.stream.Stream.concat(
                c.nodes().stream().map(n -> status(n.name(), c.name(), failing)),
                topology.elasticNodes(c.name()).stream().filter(n -> directory.member(n.name()).map(NodeDirectory.Member::alive).orElse(false))
                        .map(n -> status(n.name(), c.name(), failing)))).toList();
    }

    /** The clouds failing their health checks, judged on the nodes heard from that stay (those leaving under a notice fail none). */
    @Override
    public java.util.Map<String, String> failing() {
        return dev.skyfn.control.placement.CloudHealth.failing(directory.members().stream().filter(m -> !m.report().leaving())
                .map(m -> new NodeStatus(m.report().node(), m.report().cloud(), m.alive(), 0, 0)).toList());
    }

    @Override
    public java.time.Instant preempt(String node, java.time.Duration notice) {
        String cloud = topology.node(node).map(dev.skyfn.core.cloud.NodeSpec::cloud)
                .orElseThrow(() -> new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.NOT_FOUND, "no node " + node + " in the topology"));
        return provider.preempt(cloud, node, notice);
    }

    /** The calls every live gateway took for the app in its last window, by region. */
    @Override
    public dev.skyfn.control.placement.Callers callers(dev.skyfn.core.app.AppKey app) {
        java.util.Map<String, Long> byRegion = new java.util.HashMap<>();
        directory.members().stream().filter(NodeDirectory.Member::alive)
                .forEach(m -> m.report().callers().getOrDefault(app.toString(), java.util.Map.of()).forEach((r, n) -> byRegion.merge(r, n, Long::sum)));
        return new dev.skyfn.control.placement.Callers(byRegion);
    }

    @Override
    public List<ElasticNode> elastic() {
        return elastic.all();
    }

    private NodeStatus status(String node, String cloud, java.util.Set<String> failing) {
        // a node its cloud is taking back, or of a cloud failing, is no place for a replica: as good as gone
        return directory.member(node).map(m -> new NodeStatus(node, cloud, m.alive() && !m.report().leaving() && !failing.contains(cloud),
                        m.report().freeMemoryMb(),
                        m.report().load()))
                .orElse(new NodeStatus(node, cloud, false, 0, 1.0));
    }
}
