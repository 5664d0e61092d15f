package dev.skyfn.node.cluster;

import dev.skyfn.control.scaling.Autoscaler;
import dev.skyfn.control.scaling.ConcurrencyWindow;
import dev.skyfn.control.scaling.ScalingDecision;
import dev.skyfn.control.scaling.ScalingRecord;
import dev.skyfn.control.scaling.ScalingState;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.ScalingSpec;
import dev.skyfn.nats.nodes.NodeDirectory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's autoscaler: once a {@link #TICK}, on one node at a time (the first node of the
 * topology that is alive), it samples each autoscaled app's calls in flight across the fleet from
 * the nodes' heartbeats, asks {@link Autoscaler} how many replicas the app should have, and has
 * the app placed again with that many. Its windows live in the deciding node's memory: a node
 * that takes over starts them afresh, treating every app as just active so that none is scaled to
 * zero for want of history.
 */
final class FleetAutoscaler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetAutoscaler.class);
    /** How often it decides (KPA: every 2 s). */
    static final Duration TICK = Duration.ofSeconds(1);

    private final String self;
    private final Topology topology;
    private final NodeDirectory directory;
    private final ClusterApps apps;
    private final ScalingLog log;
    private final Clock clock;
    private final Map<AppKey, Followed> followed = new HashMap<>();
    private final Thread thread;
    private boolean leading;

    /** An app the autoscaler follows: its concurrency samples and what the decider remembers. */
    private static final class Followed {
        final ConcurrencyWindow window;
        ScalingState state;

        Followed(ScalingSpec spec, Instant now) {
            this.window = new ConcurrencyWindow(spec.window());
            this.state = ScalingState.start(now);
        }
    }

    FleetAutoscaler(String self, Topology topology, NodeDirectory directory, ClusterApps apps, ScalingLog log, Clock clock) {
        this.self = self;
        this.topology = topology;
        this.directory = directory;
        this.apps = apps;
        this.log = log;
        this.clock = clock;
        this.thread = Thread.ofVirtual().name("fleet-autoscaler").start(this::run);
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(TICK);
                tick();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("the autoscaler's tick failed ({}); it tries again at the next", e.toString());
            }
        }
    }

    /** One round of decisions, if this node is the one that decides. */
    void tick() {
        Set<String> alive = directory.members().stream().filter(NodeDirectory.Member::alive)
                .map(m -> m.report().node()).collect(Collectors.toSet());
        boolean lead = topology.nodes().stream().map(NodeSpec::name).filter(alive::contains).findFirst()
                .map(self::equals).orElse(false);
        if (lead != leading) {
            LOG.info(lead ? "node {} decides the fleet's scaling now" : "node {} no longer decides the fleet's scaling", self);
            leading = lead;
            followed.clear();
            log.forgetWritten();
        }
        if (!lead) {
            return;
        }
        Instant now = clock.instant();
        Map<String, Double> inFlight = fleetConcurrency();
        Set<AppKey> seen = new java.util.HashSet<>();
        for (DeployedApp app : apps.all()) {
            Optional<ScalingSpec> spec = app.manifest().scaling();
            if (spec.isEmpty()) {
                continue;
            }
            seen.add(app.key());
            decide(app, spec.get(), inFlight.getOrDefault(app.key().toString(), 0.0), alive, now);
        }
        followed.keySet().retainAll(seen);
    }

    private void decide(DeployedApp app, ScalingSpec spec, double inFlight, Set<String> alive, Instant now) {
        Followed f = followed.computeIfAbsent(app.key(), k -> new Followed(spec, now));
        f.window.record(now, inFlight);
        int ready = apps.replicaCount(app.key());
        ScalingDecision d = Autoscaler.decide(spec, ready, f.window.average(spec.window(), now),
                f.window.average(spec.panicWindow(), now), f.state, now);
        f.state = d.next();
        log.record(app.key(), ScalingRecord.Entry.of(d, now, self), now);
        if (d.changes()) {
            LOG.info("{}: {} -> {} replica(s): {}", app.key(), ready, d.replicas(), d.why());
            apps.rescale(app, d.replicas(), alive);
        }
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

    @Override
    public void close() {
        thread.interrupt();
    }
}
