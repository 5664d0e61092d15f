package dev.skyfn.node.cluster;

import dev.skyfn.core.cloud.PriceFeed;
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
 * @param capacity    how the fleet gets nodes beyond those the topology lists, and gives them back
 * @param prices      the clouds' prices over time: the topology's, a trace replayed, a live feed
 */
public record ClusterConfig(NatsAccess nats, Topology topology, String node, Duration heartbeat, Duration deadAfter,
                            boolean emulateWan, Sealer sealer, Faults faults, Capacity capacity, PriceFeed prices) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(500);
    public static final Duration DEFAULT_DEAD_AFTER = Duration.ofSeconds(3);

    /**
     * How the fleet's capacity comes and goes.
     *
     * @param provider     {@code static} (only the listed nodes) or {@code local} (the emulated clouds of
     *                     {@code skyfn dev --topology})
     * @param releaseAfter how long an elastic node serves nothing before it is given back
     * @param joinSignal   a file whose appearance lets this node join its fleet, at the time it holds
     *                     (ISO-8601): at once when empty. An emulated cloud boots its node's process
     *                     ahead, and writes the file when the node is acquired, with the time its
     *                     cloud's start-up has passed: the node's own JVM start does not add to it
     */
    public record Capacity(Provider provider, Duration releaseAfter, java.util.Optional<java.nio.file.Path> joinSignal) {
        public enum Provider { STATIC, LOCAL }

        public static final Duration DEFAULT_RELEASE_AFTER = Duration.ofSeconds(60);
        public static final Capacity STATIC = new Capacity(Provider.STATIC, DEFAULT_RELEASE_AFTER, java.util.Optional.empty());
    }

    /** A node of a fleet whose capacity is the nodes its topology lists. */
    public ClusterConfig(NatsAccess nats, Topology topology, String node, Duration heartbeat, Duration deadAfter,
                         boolean emulateWan, Sealer sealer, Faults faults) {
        this(nats, topology, node, heartbeat, deadAfter, emulateWan, sealer, faults, Capacity.STATIC, PriceFeed.FIXED);
    }

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
