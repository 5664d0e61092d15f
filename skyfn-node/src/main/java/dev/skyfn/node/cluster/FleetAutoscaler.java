package dev.skyfn.node.cluster;

import dev.skyfn.control.scaling.Autoscaler;
import dev.skyfn.control.scaling.ConcurrencyWindow;
import dev.skyfn.control.scaling.ScalingDecision;
import dev.skyfn.control.scaling.ScalingRecord;
import dev.skyfn.control.scaling.ScalingState;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.ScalingSpec;
import dev.skyfn.nats.nodes.NodeDirectory;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's autoscaler: at each tick of the fleet's control loop ({@link FleetControl}, on the
 * node that decides for the fleet) it samples each autoscaled app's calls in flight across the
 * fleet from the nodes' heartbeats, asks {@link Autoscaler} how many replicas the app should
 * have, and has the app placed again with that many. Its windows live in the deciding node's
 * memory: a node that takes over starts them afresh, treating every app as just active so that
 * none is scaled to zero for want of history. An app being moved ({@link Moves}) counts the
 * replicas its move leaves it, not the old ones it serves beside them until the move is done.
 */
final class FleetAutoscaler {

    private static final Logger LOG = LoggerFactory.getLogger(FleetAutoscaler.class);

    private final String self;
    private final NodeDirectory directory;
    private final ClusterApps apps;
    private final ScalingLog log;
    /** Shows the apps' last decisions and their replicas' states after each round, and none once another node decides. */
    private final dev.skyfn.node.metrics.NodeMetrics shown;
    private final Map<AppKey, Followed> followed = new HashMap<>();

    /** An app the autoscaler follows: its concurrency samples, what the decider remembers, the replicas it last wanted. */
    private static final class Followed {
        final ConcurrencyWindow window;
        ScalingState state;
        int wanted = -1;
        /** What the last decision said, as the node's metrics show it. */
        dev.skyfn.node.metrics.NodeMetrics.Scaling shown;
        /**
         * The change last logged (ready -> wanted) and what was short of it for want of room: a change
         * the fleet cannot make yet is logged once, not at every tick.
         */
        String logged = "";
        String shortfall = "";

        Followed(ScalingSpec spec, Instant now) {
            this.window = new ConcurrencyWindow(spec.window());
            this.state = ScalingState.start(now);
        }
    }

    FleetAutoscaler(String self, NodeDirectory directory, ClusterApps apps, ScalingLog log, dev.skyfn.node.metrics.NodeMetrics shown) {
        this.self = self;
        this.shown = shown;
        this.directory = directory;
        this.apps = apps;
        this.log = log;
    }

    /** Forgets the windows: another node decided meanwhile. */
    void reset() {
        followed.clear();
        log.forgetWritten();
        shown.autoscaled(Map.of());
        shown.replicas(Map.of());
    }

    /**
     * One round of decisions at {@code now}, with the {@code alive} nodes; {@code dropping} is, for
     * each app being moved, how many of its replicas its move drops once done.
     */
    void tick(Set<String> alive, Map<AppKey, Integer> dropping, Instant now) {
        Map<String, Double> inFlight = fleetConcurrency();
        Set<AppKey> seen = new java.util.HashSet<>();
        for (DeployedApp app : apps.all()) {
            Optional<ScalingSpec> spec = app.manifest().scaling();
            if (spec.isEmpty()) {
                continue;
            }
            seen.add(app.key());
            decide(app, spec.get(), inFlight.getOrDefault(app.key().toString(), 0.0), dropping.getOrDefault(app.key(), 0), alive, now);
        }
        followed.keySet().retainAll(seen);
        Map<AppKey, dev.skyfn.node.metrics.NodeMetrics.Scaling> decided = new HashMap<>();
        followed.forEach((key, f) -> decided.put(key, f.shown));
        shown.autoscaled(decided);
        shown.replicas(replicaStates());
    }

    /** Every app's replicas by state ({@link ReplicaStates}), as the nodes' last heartbeats say. */
    private Map<AppKey, Map<String, Integer>> replicaStates() {
        Map<String, dev.skyfn.nats.nodes.NodeReport> heard = new HashMap<>();
        directory.members().stream().filter(NodeDirectory.Member::alive).forEach(m -> heard.put(m.report().node(), m.report()));
        Map<AppKey, Map<String, Integer>> states = new HashMap<>();
        for (DeployedApp app : apps.all()) {
            apps.replicas(app.key()).ifPresent(placed -> states.put(app.key(), ReplicaStates.count(app.key(), placed, heard)));
        }
        return states;
    }

    /** The replicas each autoscaled app was last given, by the last decision on this node. */
    Map<AppKey, Integer> wanted() {
        Map<AppKey, Integer> wanted = new HashMap<>();
        followed.forEach((key, f) -> {
            if (f.wanted >= 0) {
                wanted.put(key, f.wanted);
            }
        });
        return wanted;
    }

    private void decide(DeployedApp app, ScalingSpec spec, double inFlight, int dropping, Set<String> alive, Instant now) {
        Followed f = followed.computeIfAbsent(app.key(), k -> new Followed(spec, now));
        f.window.record(now, inFlight);
        int ready = apps.replicaCount(app.key()) - dropping;
        ScalingDecision d = Autoscaler.decide(spec, ready, f.window.average(spec.window(), now),
                f.window.average(spec.panicWindow(), now), f.state, now);
        f.state = d.next();
        f.wanted = d.replicas();
        f.shown = new dev.skyfn.node.metrics.NodeMetrics.Scaling(d.replicas(), d.ready(), d.stable(), d.panic(), spec.target(), d.panicking());
        log.record(app.key(), ScalingRecord.Entry.of(d, now, self), now);
        java.util.OptionalInt placed = d.changes() ? placedReplicas(d.replicas(), ready, dropping) : java.util.OptionalInt.empty();
        if (placed.isPresent()) {
            String change = ready + " -> " + d.replicas();
            boolean logged = change.equals(f.logged);
            if (!logged) {
                LOG.info("{}: {} replica(s): {}", app.key(), change, d.why());
            }
            Optional<String> shortfall = apps.rescale(app, placed.getAsInt(), alive, d.why());
            if (shortfall.isPresent() && !(logged && shortfall.get().equals(f.shortfall))) {
                LOG.info("{} scaled to {}", app.key(), shortfall.get());
            }
            f.logged = change;
            f.shortfall = shortfall.orElse("");
        } else {
            f.logged = "";
        }
    }

    /**
     * How many replicas an app's placement is to hold for the autoscaler to have {@code wanted} of
     * them serve, with {@code ready} counted and {@code dropping} more that a move under way drops
     * once done; none (no change now) to shrink during a move: it resumes once the move is done.
     * A placement shrinks by keeping its cheapest nodes, which may be those the move leaves (a
     * move nearer the app's callers), and the move would be undone as it finishes.
     */
    static java.util.OptionalInt placedReplicas(int wanted, int ready, int dropping) {
        if (dropping > 0 && wanted < ready) {
            return java.util.OptionalInt.empty();
        }
        return java.util.OptionalInt.of(wanted + dropping);
    }

    /** Calls in flight per app across the live nodes, as their last heartbeats said. */
    private Map<String, Double> fleetConcurrency() {
        Map<String, Double> sum = new HashMap<>();
        for (NodeDirectory.Member m : directory.members()) {
            if (m.alive()) {
                m.report().concurrency().forEach((app, n) -> sum.merge(app, n, Double::sum));
            }
        }
        return sum;
    }
}
