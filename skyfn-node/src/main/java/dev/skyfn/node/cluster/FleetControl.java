package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.node.capacity.CapacityController;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's control loops: once a tick ({@link ClusterConfig#controlTick()}), on one node at a time — the first node that is
 * alive in the topology's order, listed nodes before elastic ones — the scaling loop runs the
 * autoscaler and moves the apps off nodes their clouds are taking back and those that prices say
 * should move; the capacity loop, beside it, runs the capacity controller with the replicas the
 * last scaling round could not place. Two loops, so that a cloud's API taking seconds to give or
 * take a node does not hold up placing replicas on the nodes there are. Every node runs both;
 * the others only watch who decides, and the node that takes over starts its windows afresh.
 */
final class FleetControl implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetControl.class);
    /** A control round longer than this is logged, with what it spent its time on. */
    private static final Duration SLOW = Duration.ofMillis(500);
    private final String self;
    private final Topology topology;
    private final NodeDirectory directory;
    private final ClusterApps apps;
    private final dev.skyfn.control.placement.Fleet fleet;
    private final FleetAutoscaler autoscaler;
    private final Moves moves;
    private final CapacityController capacity;
    private final Clock clock;
    private final Duration tick;
    private final Thread scaling;
    private final Thread provisioning;
    /** Whether this node decided at the last scaling round, and at the last capacity round: each loop starts afresh when it begins. */
    private boolean deciding;
    private boolean provisioningDecides;
    private volatile Decided decided = Decided.NOTHING;
    /** The clouds failing their health checks at the last tick, each with why: what is logged when it changes. */
    private java.util.Map<String, String> failing = java.util.Map.of();

    FleetControl(String self, Topology topology, NodeDirectory directory, ClusterApps apps, dev.skyfn.control.placement.Fleet fleet,
                 FleetAutoscaler autoscaler, Moves moves, CapacityController capacity, Clock clock, Duration tick) {
        this.fleet = fleet;
        this.moves = moves;
        this.self = self;
        this.topology = topology;
        this.directory = directory;
        this.apps = apps;
        this.autoscaler = autoscaler;
        this.capacity = capacity;
        this.clock = clock;
        this.tick = tick;
        this.scaling = Thread.ofVirtual().name("fleet-scaling").start(() -> loop("scaling", this::scale));
        this.provisioning = Thread.ofVirtual().name("fleet-capacity").start(() -> loop("capacity", this::provision));
    }

    /** Runs {@code round} once a tick until closed; a round that fails is run again at the next tick. */
    private void loop(String what, Runnable round) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(tick);
                round.run();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("the fleet's {} round failed ({}); it runs again at the next tick", what, e.toString());
            }
        }
    }

    /** Whether this node decides for the fleet, as the live members say. */
    private boolean decides(List<NodeDirectory.Member> members) {
        Set<String> heard = heard(members);
        return decider(topology, heard).map(self::equals).orElse(false);
    }

    private static Set<String> heard(List<NodeDirectory.Member> members) {
        return members.stream().filter(NodeDirectory.Member::alive).map(m -> m.report().node()).collect(Collectors.toSet());
    }

    /** The autoscaler, then the moves: where replicas go, on the nodes there are. */
    private void scale() {
        List<NodeDirectory.Member> members = directory.members();
        boolean decide = decides(members);
        if (decide != deciding) {
            LOG.info(decide ? "node {} decides the fleet's scaling and capacity now" : "node {} no longer decides for the fleet", self);
            deciding = decide;
            autoscaler.reset();
            moves.reset();
            decided = Decided.NOTHING;
        }
        if (!decide) {
            return;
        }
        Instant now = clock.instant();
        java.util.Map<String, String> failing = failing(fleet.failing());
        Set<String> evacuated = evacuated(members, failing.keySet());
        Set<String> staying = heard(members);
        staying.removeAll(evacuated);
        long start = System.nanoTime();
        autoscaler.tick(staying, moves.dropping(), now);
        long scaled = System.nanoTime();
        moves.tick(staying, evacuated, failing);
        decided = new Decided(autoscaler.wanted(), moves.movingTo());
        long end = System.nanoTime();
        if (end - start > SLOW.toNanos()) {
            // a round this long holds up the next: a node that joined meanwhile is given its replicas only after it
            LOG.info("the fleet's scaling round took {} ms: autoscaler {} ms, moves {} ms", (end - start) / 1_000_000,
                    (scaled - start) / 1_000_000, (end - scaled) / 1_000_000);
        }
    }

    /**
     * The capacity controller, with the replicas the last scaling round could not place: nodes
     * asked for and given back. A cloud's API may take seconds to answer; this round waits for
     * it, the scaling round does not, and places replicas on a node the moment it is heard.
     */
    private void provision() {
        List<NodeDirectory.Member> members = directory.members();
        boolean decide = decides(members);
        if (decide != provisioningDecides) {
            provisioningDecides = decide;
            capacity.reset();
        }
        Decided last = decided;
        if (!decide || last == Decided.NOTHING) {
            return; // the first scaling round since this node decides has not told what it wants yet
        }
        Instant now = clock.instant();
        Set<String> failing = fleet.failing().keySet();
        long start = System.nanoTime();
        capacity.moving(last.movingTo());
        capacity.tick(heard(members), leaving(members), apps.replicasPerNode(), working(members), busy(members),
                () -> apps.shortfalls(last.wanted(), gone(members, evacuated(members, failing), directory.departed())), failing, now);
        long took = System.nanoTime() - start;
        if (took > SLOW.toNanos()) {
            LOG.info("the fleet's capacity round took {} ms", took / 1_000_000);
        }
    }

    /** A node its cloud is taking back, or of a cloud failing its health checks: given nothing more, and what it has goes elsewhere. */
    private static Set<String> evacuated(List<NodeDirectory.Member> members, Set<String> failing) {
        Set<String> evacuated = new java.util.HashSet<>(leaving(members));
        members.stream().filter(m -> m.alive() && failing.contains(m.report().cloud())).forEach(m -> evacuated.add(m.report().node()));
        return evacuated;
    }

    /** What the last scaling round decided, for the capacity round: the replicas each app wants, the clouds apps move to. */
    private record Decided(java.util.Map<AppKey, Integer> wanted, Set<String> movingTo) {
        static final Decided NOTHING = new Decided(java.util.Map.of(), Set.of());
    }

    /** How long each live node has had calls in flight, in ms since its process started, as it last reported. */
    static java.util.Map<String, Long> busy(java.util.Collection<NodeDirectory.Member> members) {
        return members.stream().filter(NodeDirectory.Member::alive)
                .collect(Collectors.toMap(m -> m.report().node(), m -> m.report().busyMs(), (a, b) -> b));
    }

    /** The clouds failing their health checks now, logged as they start and stop failing. */
    private java.util.Map<String, String> failing(java.util.Map<String, String> now) {
        now.forEach((cloud, why) -> {
            if (!failing.containsKey(cloud)) {
                LOG.warn("cloud {} fails its health checks ({}): its apps move to other clouds, and it is given nothing new", cloud, why);
            }
        });
        failing.keySet().stream().filter(c -> !now.containsKey(c))
                .forEach(c -> LOG.info("cloud {} passes its health checks again: most of its nodes heartbeat", c));
        failing = now;
        return now;
    }

    /** The live nodes that have had their cloud's preemption notice. */
    static Set<String> leaving(java.util.Collection<NodeDirectory.Member> members) {
        return members.stream().filter(m -> m.alive() && m.report().leaving()).map(m -> m.report().node()).collect(Collectors.toSet());
    }

    /**
     * The nodes an app's replica on which no longer serves it, nor will: those leaving, those dead
     * (replaced: one that comes back before its replacement joins leaves that node idle, to be
     * given back), and those that departed.
     */
    static Set<String> gone(java.util.Collection<NodeDirectory.Member> members, Set<String> leaving, Set<String> departed) {
        Set<String> gone = new java.util.HashSet<>(leaving);
        gone.addAll(departed);
        members.stream().filter(m -> !m.alive()).forEach(m -> gone.add(m.report().node()));
        return gone;
    }

    /**
     * The nodes with calls to finish: those that report calls in flight, and those a live gateway
     * awaits answers from — a call sent to a node that has not taken it up yet (a node starting, or
     * starved of CPU) shows in no report of its own.
     */
    static Set<String> working(java.util.Collection<NodeDirectory.Member> members) {
        Set<String> working = new java.util.HashSet<>();
        for (NodeDirectory.Member m : members) {
            if (!m.alive()) {
                continue;
            }
            if (m.report().concurrency().values().stream().anyMatch(c -> c > 0)) {
                working.add(m.report().node());
            }
            m.report().awaiting().forEach((node, n) -> {
                if (n > 0) {
                    working.add(node);
                }
            });
        }
        return working;
    }

    /** The node that decides for the fleet: the first alive in the topology's order, listed nodes before elastic ones. */
    static Optional<String> decider(Topology topology, Set<String> alive) {
        Stream<String> listed = topology.nodes().stream().map(NodeSpec::name);
        Stream<String> elastic = topology.clouds().stream().map(Cloud::name).flatMap(c -> topology.elasticNodes(c).stream())
                .map(NodeSpec::name);
        return Stream.concat(listed, elastic).filter(alive::contains).findFirst();
    }

    @Override
    public void close() {
        scaling.interrupt();
        provisioning.interrupt();
    }
}
