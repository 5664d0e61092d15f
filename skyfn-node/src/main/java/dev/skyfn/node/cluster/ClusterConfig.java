package dev.skyfn.node.cluster;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.seal.Sealer;
import java.time.Duration;

/**
 * How a node joins a fleet.
 *
 * @param nats        the NATS server of its cloud, and the node's credentials for it
 * @param topology    the clouds and nodes of the fleet
 * @param node        its name in the topology
 * @param heartbeat   how often it reports itself
 * @param deadAfter   how long a node may stay silent before the others take it for dead
 * @param emulateWan  whether calls between clouds and from users wait the topology's latencies
 *                    (for a fleet emulated on one machine)
 * @param sealer      seals what the node keeps in JetStream with the fleet's data key ({@link Sealer#none()}: nothing)
 * @param faults      faults the node commits on purpose, for tests ({@link Faults#NONE} in production)
 */
public record ClusterConfig(NatsAccess nats, Topology topology, String node, Duration heartbeat, Duration deadAfter,
                            boolean emulateWan, Sealer sealer, Faults faults) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(500);
    public static final Duration DEFAULT_DEAD_AFTER = Duration.ofSeconds(3);

    public ClusterConfig {
        if (topology.node(node).isEmpty()) {
            throw new IllegalArgumentException("the topology has no node '" + node + "' (its nodes: "
                    + String.join(", ", topology.nodes().stream().map(dev.skyfn.core.cloud.NodeSpec::name).toList()) + ")");
        }
    }

    /** The cloud the node belongs to. */
    public String cloud() {
        return topology.node(node).orElseThrow().cloud();
    }
}
