package dev.skyfn.node.capacity;

import dev.skyfn.control.capacity.CapacityPlanner;
import dev.skyfn.control.capacity.CapacityProvider;
import dev.skyfn.control.capacity.ElasticNode;
import dev.skyfn.control.capacity.NodeLifecycle.Event;
import dev.skyfn.control.capacity.NodeState;
import dev.skyfn.control.capacity.ProvidedNode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the fleet's capacity on the node that decides for the fleet: follows each elastic node
 * through its lifecycle (booting until its first heartbeat, ready, draining, released), asks the
 * clouds' provider for nodes when apps lack replicas and gives back those that served nothing for
 * a while, as {@link CapacityPlanner} decides. Its records are in JetStream ({@link ElasticNodes}),
 * read once when this node starts deciding and then kept in step with its own writes (only the
 * deciding node writes them); what it only watches (how long a node has been idle or silent, when
 * each spot market last took a node back) is in its memory, and starts afresh on a node that takes over.
 */
public final class CapacityController {

    private static final Logger LOG = LoggerFactory.getLogger(CapacityController.class);
    /** How long past its cloud's start-up time a node may take to join before it is given up. */
    static final Duration JOIN_GRACE = Duration.ofMinutes(2);
    /** How long a ready node may stay silent before it is taken for lost and given back. */
    static final Duration LOST_AFTER = Duration.ofMinutes(1);
    /** How long the record of a released node is kept to be shown. */
    static final Duration KEEP_RELEASED = Duration.ofHours(1);
    /** How often a node's record is written while only its use changes (its busy time, and a serverless pool's node's cost). */
    static final Duration USE_WRITTEN_EVERY = Duration.ofSeconds(5);

    /** The fleet's topology at this moment's prices: nodes are asked for, and priced, at today's price. */
    private final java.util.function.Supplier<Topology> prices;
    /** The topology as priced at the start of the current round. */
    private Topology topology;
    private final CapacityProvider provider;
    private final ElasticNodes store;
    private final Duration releaseAfter;
    private final Map<String, Instant> idleSince = new HashMap<>();
    private final Map<String, Instant> silentSince = new HashMap<>();
    /** When each cloud last took a node back (a preemption notice, or a spot node lost without one). */
    private final Map<String, Instant> preemptedAt = new HashMap<>();
    /** When each node's record was last written for a change of use alone. */
    private final Map<String, Instant> writtenAt = new HashMap<>();
    /** The nodes whose record here has use not written yet: written once {@link #USE_WRITTEN_EVERY} has passed. */
    private final Set<String> unwritten = new java.util.HashSet<>();
    /** The records as this node last read or wrote them, by node; read again after a {@link #reset}. */
    private Map<String, ElasticNode> records;

    public CapacityController(java.util.function.Supplier<Topology> prices, CapacityProvider provider, ElasticNodes store,
                              Duration releaseAfter) {
        this.prices = prices;
        this.provider = provider;
        this.store = store;
        this.releaseAfter = releaseAfter;
    }

    /**
     * How many app replicas each node holds in the placements in force (nodes with none left out).
     * Read every round from this node's copy of the placements, which follows the writes a moment
     * later; read from JetStream only before a node is given back, so that a node given a replica a
     * moment ago is never released for holding none.
     */
    public interface Placements {
        /** As this node's copy has them: cheap, read every round. */
        Map<String, Integer> seen();

        /** As JetStream has them now: one read of every app's record. */
        Map<String, Integer> current();
    }

    /**
     * Counts the time serving nothing afresh for the idle nodes of {@code clouds}, where apps are
     * moving now: once a move is over the next may go onto a node that joined meanwhile — a cheap
     * node booted for the load that stays, which would otherwise go back idle while the app moved
     * onto another of its cloud.
     */
    public void moving(Set<String> clouds) {
        idleSince.keySet().removeIf(node -> {
            ElasticNode n = records().get(node);
            return n != null && clouds.contains(n.cloud());
        });
    }

    /** Forgets what it watched: another node decided meanwhile. */
    public void reset() {
        idleSince.clear();
        silentSince.clear();
        preemptedAt.clear();
        writtenAt.clear();
        unwritten.clear();
        records = null;
    }

    /**
     * One round at {@code now}.
     *
     * @param alive      the nodes that heartbeat now
     * @param leaving    those of them that have had their cloud's preemption notice: drained now,
     *                   given back once they hold nothing
     * @param placements how many app replicas each node holds
     * @param working    the nodes that reported calls in flight: an app that left a node still has its
     *                   queued calls finished there, so the node is not idle, nor drained, until they are
     * @param busyMs     how long each live node has had calls in flight, ms since its process started:
     *                   what a serverless pool's nodes are billed by
     * @param shortfalls the apps that lack replicas, and the clouds they may use: read after
     *                   {@code placements}' view, so that a replica placed between the two reads
     *                   (on a node that just joined) makes a shortfall less, never an idle-looking
     *                   node that holds it and a second node asked for
     * @param failing    the clouds failing their health checks: asked for nodes, as a market cooling
     *                   after a preemption, only when no other cloud has room
     */
    public void tick(Set<String> alive, Set<String> leaving, Placements placements, Set<String> working, Map<String, Long> busyMs,
                     java.util.function.Supplier<List<CapacityPlanner.Shortfall>> shortfalls, Set<String> failing, Instant at) {
        Map<String, Integer> replicas = placements.seen();
        List<CapacityPlanner.Shortfall> lacking = shortfalls.get();
        Holdings holdings = new Holdings(placements, working);
        // records show times to the millisecond
        Instant now = at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        topology = prices.get();
        leaving.forEach(node -> topology.node(node).ifPresent(n -> preempted(n.cloud(), now)));
        List<ElasticNode> held = new ArrayList<>();
        for (ElasticNode n : List.copyOf(records().values())) {
            if (n.state() == NodeState.RELEASED) {
                if (now.isAfter(Instant.parse(n.releasedAt()).plus(KEEP_RELEASED))) {
                    store.forget(n.node());
                    records.remove(n.node());
                }
                continue;
            }
            ElasticNode seen = n.repriced(pricePerHour(n.cloud()), now);
            Long busy = busyMs.get(n.node());
            if (busy != null && n.state() != NodeState.REQUESTED) {
                seen = seen.used(busy);
            }
            if (seen.state() == NodeState.READY && leaving.contains(n.node())) {
                LOG.info("elastic node {} of {} is being taken back by its cloud: drained", n.node(), n.cloud());
                seen = seen.after(Event.DRAIN, now, "preempted: its cloud takes it back (a preemption notice)");
            }
            ElasticNode next = follow(seen, alive, held(n.node(), replicas, working), holdings, now);
            if (next != n || unwritten.contains(n.node())) {
                record(n, next, now);
            }
            if (next.state() != NodeState.RELEASED) {
                held.add(next);
            }
        }
        CapacityPlanner.Plan plan = CapacityPlanner.plan(lacking, rooms(held, failing, now), idle(held, replicas, working, now), releaseAfter, now);
        plan.acquire().forEach(a -> acquire(a, now));
        for (CapacityPlanner.Drain d : plan.drain()) {
            held.stream().filter(n -> n.node().equals(d.node()) && holdings.none(n.node())).findFirst()
                    .ifPresent(n -> release(n.after(Event.DRAIN, now, d.why()), Event.DRAINED, now, null));
        }
    }

    private Map<String, ElasticNode> records() {
        if (records == null) {
            records = new java.util.LinkedHashMap<>();
            store.all().forEach(n -> records.put(n.node(), n));
        }
        return records;
    }

    private void put(ElasticNode n) {
        store.put(n);
        records().put(n.node(), n);
        unwritten.remove(n.node());
    }

    /**
     * Keeps {@code next}, the record {@code before} became this round. A change of use alone (a
     * node reporting more busy time, and what that costs in a serverless pool) is written at most every {@link #USE_WRITTEN_EVERY}:
     * every round would be a JetStream write per busy node per tick. What is held back is written
     * once that time has passed, whether or not the node reports more; and is lost to nobody
     * meanwhile — the busy time a node reports is its total, so whoever decides next charges it
     * from the last record written.
     */
    private void record(ElasticNode before, ElasticNode next, Instant now) {
        boolean useOnly = next.state() == before.state() && next.pricePerHour() == before.pricePerHour()
                && java.util.Objects.equals(next.why(), before.why());
        Instant written = writtenAt.get(next.node());
        if (useOnly && written != null && now.isBefore(written.plus(USE_WRITTEN_EVERY))) {
            records().put(next.node(), next);
            unwritten.add(next.node());
            return;
        }
        put(next);
        if (useOnly) {
            writtenAt.put(next.node(), now);
        }
    }

    /** What a node holds: its replicas, or one while it still runs calls of an app that left it. */
    private static int held(String node, Map<String, Integer> replicas, Set<String> working) {
        int n = replicas.getOrDefault(node, 0);
        return n == 0 && working.contains(node) ? 1 : n;
    }

    /** The replicas read from JetStream once in a round, when a node is about to be given back. */
    private static final class Holdings {
        private final Placements placements;
        private final Set<String> working;
        private Map<String, Integer> current;

        Holdings(Placements placements, Set<String> working) {
            this.placements = placements;
            this.working = working;
        }

        /** Whether the node holds no replica and runs no call, as JetStream has the placements now. */
        boolean none(String node) {
            if (current == null) {
                current = placements.current();
            }
            return held(node, current, working) == 0;
        }
    }

    /** A node's record after what was seen of it this round. */
    private ElasticNode follow(ElasticNode n, Set<String> alive, int replicas, Holdings holdings, Instant now) {
        boolean heard = alive.contains(n.node());
        if (heard) {
            silentSince.remove(n.node());
        }
        return switch (n.state()) {
            case REQUESTED, BOOTING -> {
                if (heard) {
                    LOG.info("elastic node {} of {} joined the fleet", n.node(), n.cloud());
                    yield n.after(Event.JOINED, now, null);
                }
                Duration startup = topology.cloud(n.cloud()).map(Cloud::startup).orElse(Duration.ZERO);
                if (now.isAfter(Instant.parse(n.requestedAt()).plus(startup).plus(JOIN_GRACE))) {
                    yield release(n, Event.FAILED, now, "did not join within its cloud's start-up time and " + JOIN_GRACE.toMinutes() + " min");
                }
                yield n;
            }
            case READY -> {
                if (heard) {
                    yield n;
                }
                Instant since = silentSince.computeIfAbsent(n.node(), k -> now);
                if (!now.isAfter(since.plus(LOST_AFTER))) {
                    yield n;
                }
                if (topology.spot(n.cloud())) {
                    preempted(n.cloud(), since); // taken back without notice, as a spot market may
                }
                yield release(n, Event.FAILED, now, "silent for " + LOST_AFTER.toSeconds() + " s");
            }
            case DRAINING -> replicas == 0 && holdings.none(n.node()) ? release(n, Event.DRAINED, now, null) : n;
            case RELEASED -> n;
        };
    }

    /** Gives the node back to its cloud and records it released; a cloud that cannot be reached is asked again next round. */
    private ElasticNode release(ElasticNode n, Event event, Instant now, String why) {
        try {
            provider.release(n.cloud(), n.node());
        } catch (SkyfnException e) {
            LOG.warn("cannot give {} back to {} now: {}", n.node(), n.cloud(), e.getMessage());
            ElasticNode draining = n.state() == NodeState.DRAINING ? n : n.after(Event.DRAIN, now, why);
            put(draining);
            return draining;
        }
        ElasticNode released = n.after(event, now, why);
        put(released);
        idleSince.remove(n.node());
        silentSince.remove(n.node());
        LOG.info("elastic node {} of {} given back: {} (it cost ${})", n.node(), n.cloud(), released.why(),
                String.format(java.util.Locale.ROOT, "%.6f", released.cost(now)));
        return released;
    }

    private void acquire(CapacityPlanner.Acquisition a, Instant now) {
        double price = pricePerHour(a.cloud());
        for (int i = 0; i < a.nodes(); i++) {
            try {
                ProvidedNode got = provider.acquire(a.cloud());
                boolean perUse = topology.cloud(a.cloud()).map(c -> c.pricing().perUse()).orElse(false);
                var n = ElasticNode.requested(got.node(), got.cloud(), now, price, perUse, a.why());
                put(n.after(Event.ACCEPTED, now, null));
                LOG.info("asked {} for node {}: {}", a.cloud(), got.node(), a.why());
            } catch (SkyfnException e) {
                LOG.warn("cloud {} gives no node now: {}", a.cloud(), e.getMessage());
                return;
            }
        }
    }

    /** What one of {@code cloud}'s elastic nodes costs per hour at this round's prices, US dollars; 0 for a cloud gone. */
    private double pricePerHour(String cloud) {
        List<NodeSpec> elastic = topology.elasticNodes(cloud);
        return topology.cloud(cloud).filter(c -> !elastic.isEmpty())
                .map(c -> c.pricing().perNodeHour(elastic.getFirst().cpus(), elastic.getFirst().memoryMb())).orElse(0.0);
    }

    /** Notes that {@code cloud} took a node back at {@code at}: its market cools down from then. */
    private void preempted(String cloud, Instant at) {
        preemptedAt.merge(cloud, at, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** Whether {@code cloud} took a node back within its market's cool-down. */
    private boolean cooling(Cloud cloud, Instant now) {
        Instant at = preemptedAt.get(cloud.name());
        return at != null && now.isBefore(at.plus(cloud.pricing().coolDown()));
    }

    /**
     * Each cloud's room for more nodes, the nodes on their way, and whether it is avoided: its market
     * cools down after a preemption, or it fails its health checks.
     */
    private List<CapacityPlanner.CloudRoom> rooms(List<ElasticNode> held, Set<String> failing, Instant now) {
        List<CapacityPlanner.CloudRoom> rooms = new ArrayList<>();
        for (Cloud c : topology.clouds()) {
            List<NodeSpec> elastic = topology.elasticNodes(c.name());
            if (elastic.isEmpty()) {
                continue;
            }
            long inCloud = held.stream().filter(n -> n.cloud().equals(c.name())).count();
            long coming = held.stream().filter(n -> n.cloud().equals(c.name())
                    && (n.state() == NodeState.REQUESTED || n.state() == NodeState.BOOTING)).count();
            rooms.add(new CapacityPlanner.CloudRoom(c.name(), c.startup(), pricePerHour(c.name()),
                    (int) Math.max(0, elastic.size() - inCloud), (int) coming, cooling(c, now) || failing.contains(c.name()),
                    elastic.getFirst().memoryMb()));
        }
        return rooms;
    }

    /** The ready elastic nodes that hold no replica and run no call, each since when this node has seen it so. */
    private List<CapacityPlanner.Idle> idle(List<ElasticNode> held, Map<String, Integer> replicas, Set<String> working, Instant now) {
        List<CapacityPlanner.Idle> idle = new ArrayList<>();
        for (ElasticNode n : held) {
            if (n.state() == NodeState.READY && held(n.node(), replicas, working) == 0) {
                idle.add(new CapacityPlanner.Idle(n.node(), n.cloud(), idleSince.computeIfAbsent(n.node(), k -> now)));
            } else {
                idleSince.remove(n.node());
            }
        }
        return idle;
    }
}
