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
 * @param controlTick how often the node deciding for the fleet runs its control loop (autoscaler,
 *                    moves for price, capacity)
 */
public record ClusterConfig(NatsAccess nats, Topology topology, String node, Duration heartbeat, Duration deadAfter,
                            boolean emulateWan, Sealer sealer, Faults faults, Capacity capacity, PriceFeed prices,
                            Duration controlTick) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(500);
    public static final Duration DEFAULT_DEAD_AFTER = Duration.ofSeconds(3);
    /** How often the fleet decides by default (KPA ticks every 2 s). */
    public static final Duration DEFAULT_CONTROL_TICK = Duration.ofSeconds(1);
    /** The fastest heartbeat and control tick a compressed time scale gives. */
    static final Duration FASTEST_HEARTBEAT = Duration.ofMillis(250), FASTEST_TICK = Duration.ofMillis(100);

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
        this(nats, topology, node, heartbeat, deadAfter, emulateWan, sealer, faults, Capacity.STATIC, PriceFeed.FIXED,
                DEFAULT_CONTROL_TICK);
    }

    /**
     * A node of a fleet whose time runs {@code timeScale} times as fast as real time, as an emulated
     * fleet's does: its heartbeat and control tick are the defaults compressed by that factor (no
     * faster than {@link #FASTEST_HEARTBEAT} and {@link #FASTEST_TICK}), so that the platform's own
     * reaction to load weighs, in the emulated time, what it would in real time.
     */
    public static ClusterConfig scaled(NatsAccess nats, Topology topology, String node, Duration deadAfter, boolean emulateWan,
                                       Sealer sealer, Faults faults, Capacity capacity, PriceFeed prices, double timeScale) {
        return new ClusterConfig(nats, topology, node, scale(DEFAULT_HEARTBEAT, timeScale, FASTEST_HEARTBEAT), deadAfter, emulateWan,
                sealer, faults, capacity, prices, scale(DEFAULT_CONTROL_TICK, timeScale, FASTEST_TICK));
    }

    static Duration scale(Duration d, double timeScale, Duration fastest) {
        Duration scaled = Duration.ofNanos((long) (d.toNanos() * Math.min(1, timeScale)));
        return scaled.compareTo(fastest) < 0 ? fastest : scaled;
    }

    public ClusterConfig {
        if (controlTick.isNegative() || controlTick.isZero()) {
            throw new IllegalArgumentException("a control tick is a duration above 0: " + controlTick);
        }
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
