package dev.skyfn.node.cluster;

import dev.skyfn.control.placement.Fleet;
import dev.skyfn.control.placement.Rebalance;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.Verify;
import dev.skyfn.nats.apps.AppRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves apps without a failed call: at each tick of the fleet's control loop, to the cloud they
 * were migrated to ({@link Migration}), off the nodes their clouds are taking back (a preemption
 * notice), and where prices or their callers say — it asks {@link Rebalance}
 * whether each app would cost less, or be nearer its callers, placed afresh. Either way it first adds the new nodes to the
 * app's placement (they load it and warm up beside the old ones, which go on serving), and once
 * every node of it has served the app for {@link #RAMP_TICKS} ticks, it drops the old ones (their calls in flight finish; a call
 * that reaches one too late is tried on the others). Apps declared {@code verify: redundant} stay
 * for price: their placement across providers is checked at deployment.
 */
final class Moves {

    private static final Logger LOG = LoggerFactory.getLogger(Moves.class);

    private final ClusterApps apps;
    private final Fleet fleet;
    private final double hysteresis;
    private final java.time.Clock clock;
    /**
     * How long a move's new replicas serve beside the old ones before those are dropped, in ticks
     * of the control loop (3 s in real time): the gateways share the calls among both by load
     * meanwhile, so that the new sandboxes' JIT warms on part of the load rather than taking all
     * of it cold at once. In ticks, so that an emulated fleet's faster time shortens it too.
     */
    static final int RAMP_TICKS = 3;
    private final java.time.Duration ramp;
    /** Apps being moved, and how. */
    private final Map<AppKey, Moving> moving = new HashMap<>();

    /** A move under way, and since when every node of it serves the app (null until then). */
    private record Moving(Rebalance.Move move, java.time.Instant servedSince) {
        Moving(Rebalance.Move move) {
            this(move, null);
        }
    }

    /** @param ramp how long new replicas serve beside the old ones ({@link #RAMP_TICKS} of the control loop) */
    Moves(ClusterApps apps, Fleet fleet, double hysteresis, java.time.Clock clock, java.time.Duration ramp) {
        this.ramp = ramp;
        this.apps = apps;
        this.fleet = fleet;
        this.hysteresis = hysteresis;
        this.clock = clock;
    }

    /** Forgets the moves under way: another node decided meanwhile (it finishes them its own way). */
    void reset() {
        moving.clear();
    }

    /** The clouds apps are moving to now (new replicas warming up beside the old ones). */
    Set<String> movingTo() {
        Set<String> clouds = new java.util.HashSet<>();
        moving.values().forEach(m -> Replicas.of(m.move().to()).forEach(r -> clouds.add(r.cloud())));
        return clouds;
    }

    /** How many of each moving app's replicas in force its move drops once done ({@link #afterMove}). */
    Map<AppKey, Integer> dropping() {
        Map<AppKey, AppRecord> inForce = apps.inForce();
        Map<AppKey, Integer> dropping = new HashMap<>();
        moving.forEach((key, m) -> {
            AppRecord record = inForce.get(key);
            if (record != null) {
                dropping.put(key, record.replicas().size() - afterMove(record.replicas(), m.move()).size());
            }
        });
        return dropping;
    }

    /**
     * One round: moves under way go on, apps with a replica on a {@code leaving} node — under a
     * preemption notice, or in one of the {@code failing} clouds (each with why) — move off it onto
     * the {@code staying} ones, the others move if prices or their callers say so.
     */
    void tick(Set<String> staying, Set<String> leaving, Map<String, String> failing) {
        Map<AppKey, AppRecord> inForce = apps.inForce();
        moving.keySet().retainAll(inForce.keySet());
        for (Map.Entry<AppKey, AppRecord> e : inForce.entrySet()) {
            try {
                Moving move = moving.get(e.getKey());
                if (move != null) {
                    finish(e.getKey(), e.getValue(), move);
                } else if (Migration.underWay(e.getValue())) {
                    migrate(e.getKey(), e.getValue(), staying);
                } else if (e.getValue().replicas().stream().anyMatch(r -> leaving.contains(r.node()))) {
                    evacuate(e.getKey(), e.getValue(), staying, leaving, failing);
                } else {
                    start(e.getKey(), e.getValue());
                }
            } catch (RuntimeException failed) {
                LOG.warn("moving {}: {}; tried again at the next tick", e.getKey(), failed.getMessage());
            }
        }
    }

    /**
     * Places the app's replicas on leaving nodes elsewhere, keeping the others: the new ones warm
     * up beside the leaving ones, which serve until then. With no room now it waits — the
     * replicas it lacks are the capacity controller's to acquire — and tries again next round.
     */
    private void evacuate(AppKey key, AppRecord record, Set<String> staying, Set<String> leaving, Map<String, String> failing) {
        List<String> current = ClusterApps.nodes(record);
        Optional<dev.skyfn.control.placement.Placement> to = apps.placeAgain(key, record, staying);
        // only once every replica it loses has a place: fewer would leave the app short of what it was given
        if (to.isEmpty() || to.get().nodes().size() < current.size() || to.get().nodes().stream().anyMatch(leaving::contains)) {
            return;
        }
        List<String> off = current.stream().filter(leaving::contains).toList();
        List<String> sick = record.replicas().stream().filter(r -> off.contains(r.node()) && failing.containsKey(r.cloud()))
                .map(AppRecord.Replica::cloud).distinct().sorted().toList();
        var move = sick.isEmpty() ? new Rebalance.Move(current, to.get(), 0, 0, Rebalance.Reason.PREEMPTION,
                "node(s) " + off + " taken back by their cloud (a preemption notice)")
                : new Rebalance.Move(current, to.get(), 0, 0, Rebalance.Reason.FAILING_CLOUD, sick.stream()
                        .map(c -> "cloud " + c + " fails its health checks (" + failing.get(c) + ")").collect(java.util.stream.Collectors.joining("; ")));
        begin(key, record, new Moving(move), "moving off " + off + " to " + to.get().nodes() + ": " + move.why());
    }

    /**
     * Places the replicas of an app migrated to a cloud on that cloud's {@code staying} nodes,
     * once there is room for as many as it is to have there (the capacity controller acquires what
     * the cloud lacks); they warm up beside the old ones, which serve until then.
     */
    private void migrate(AppKey key, AppRecord record, Set<String> staying) {
        Optional<Migration.Target> target = apps.migrationTarget(key, record, staying);
        if (target.isEmpty() || !target.get().ready()) {
            return;
        }
        var to = target.get().placement();
        List<String> current = ClusterApps.nodes(record);
        var move = new Rebalance.Move(current, to, 0, 0, Rebalance.Reason.MIGRATION, "migrated to cloud " + record.pinnedTo() + " as asked");
        begin(key, record, new Moving(move), "migrating to " + to.nodes() + " (warming up beside " + current + ")");
    }

    /** Adds the move's new nodes to the app's placement, before the old ones not among them: the new take over as they warm up. */
    private void begin(AppKey key, AppRecord record, Moving moving, String why) {
        Rebalance.Move move = moving.move();
        List<AppRecord.Replica> both = new java.util.ArrayList<>(Replicas.of(move.to()));
        Set<String> target = Set.copyOf(move.to().nodes());
        record.replicas().stream().filter(r -> !target.contains(r.node())).forEach(both::add);
        if (apps.writeReplicas(record, both, why).isPresent()) {
            this.moving.put(key, moving);
            LOG.info("{} moves from {} to {}: {}", key, move.from(), move.to().nodes(), move.why());
        }
    }

    private void start(AppKey key, AppRecord record) {
        Optional<Manifest> manifest = apps.placedManifest(key);
        if (manifest.isEmpty() || record.replicas().isEmpty()
                || manifest.get().functions().values().stream().anyMatch(f -> f.verify() == Verify.REDUNDANT)) {
            return;
        }
        List<String> current = ClusterApps.nodes(record);
        Optional<Rebalance.Move> move = Rebalance.decide(manifest.get().placement(), manifest.get().memoryMb(), fleet.topology(),
                fleet.nodes(), current, fleet.callers(key), hysteresis);
        if (move.isEmpty()) {
            return;
        }
        String kind = move.get().reason().done.substring("moved ".length());
        begin(key, record, new Moving(move.get()), "moving " + kind + " to " + move.get().to().nodes()
                + " (warming up beside " + current + "): " + move.get().why());
    }

    /**
     * The replicas an app keeps once a move is done: all it has but the nodes the move leaves —
     * a replica the autoscaler added while the app moved stays, rather than going only to be
     * asked for again at the next tick.
     */
    static List<AppRecord.Replica> afterMove(List<AppRecord.Replica> replicas, Rebalance.Move move) {
        Set<String> left = new java.util.HashSet<>(move.from());
        move.to().nodes().forEach(left::remove);
        return replicas.stream().filter(r -> !left.contains(r.node())).toList();
    }

    private void finish(AppKey key, AppRecord record, Moving moving) {
        Rebalance.Move move = moving.move();
        List<String> target = move.to().nodes();
        if (!apps.served(record)) {
            return; // the new nodes are still loading it
        }
        java.time.Instant now = clock.instant();
        if (moving.servedSince() == null) {
            this.moving.put(key, new Moving(move, now));
            return;
        }
        if (now.isBefore(moving.servedSince().plus(ramp))) {
            return; // the new replicas take part of the calls beside the old ones a while first
        }
        List<AppRecord.Replica> kept = afterMove(record.replicas(), move);
        String why = move.reason().done + " from " + move.from() + " to " + target + ": " + move.why();
        if (kept.isEmpty() || apps.writeReplicas(record, kept, why).isPresent()) {
            this.moving.remove(key);
            LOG.info("{} moved to {}", key, target);
        }
    }
}
