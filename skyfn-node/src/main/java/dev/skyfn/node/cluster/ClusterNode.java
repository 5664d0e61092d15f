package dev.skyfn.node.cluster;

import dev.skyfn.control.AtomicFiles;
import dev.skyfn.control.api.ControlApi;
import dev.skyfn.control.pkg.PackageInspector;
import dev.skyfn.control.pkg.PackageLimits;
import dev.skyfn.control.tenant.Tenants;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.apps.AppRecord;
import dev.skyfn.nats.apps.AppRecords;
import dev.skyfn.nats.data.NatsKeyValue;
import dev.skyfn.nats.data.NatsNamespaces;
import dev.skyfn.nats.events.JetStreamEventLog;
import dev.skyfn.nats.events.KvTickLedger;
import dev.skyfn.control.capacity.CapacityProvider;
import dev.skyfn.control.capacity.StaticCapacity;
import dev.skyfn.control.placement.Rebalance;
import dev.skyfn.nats.nodes.Heartbeat;
import dev.skyfn.node.capacity.CapacityController;
import dev.skyfn.node.capacity.ElasticNodes;
import dev.skyfn.node.capacity.LocalCapacity;
import dev.skyfn.node.capacity.PreemptionNotices;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.nodes.NodeReport;
import dev.skyfn.nats.packages.PackageStore;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.node.Node;
import dev.skyfn.node.metering.LedgerShipping;
import dev.skyfn.nats.usage.FleetLedgers;
import dev.skyfn.nats.usage.UsageLogs;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.SingleNode;
import dev.skyfn.node.data.DataLayers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of a fleet spanning clouds: the node agent, its share of the control plane (any node
 * answers the control API; what it writes goes to JetStream), its heartbeat, and the bus through
 * which nodes call each other.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    private static final int MB_PER_SANDBOX = 256;
    /** Async invocations one node runs at once, from the fleet's queue. */
    private static final int ASYNC_PARALLEL = 64;

    private final String self;
    private final Engine engine;
    /** The connection tenants' events travel on, apart from {@link #engine}'s. */
    private final Engine events;
    /** The connection the usage ledger is copied and read on, apart from {@link #engine}'s and {@link #events}'. */
    private final Engine usageLogs;
    private final NodeDirectory directory;
    private final ClusterApps apps;
    private final NodeBus bus;
    private final LocalDataMove localData;
    private final Node node;
    private final Heartbeat heartbeat;
    private final ConcurrencySampler concurrency;
    private final CallerRegions callers;
    private final FleetControl control;
    private final PreemptionNotices notices;
    /** When this node's cloud takes it back, from its preemption notice; null while it stays. */
    private volatile java.time.Instant leavingAt;
    private QueuedAsync async;
    /** Set while the node starts: where its gateway and its share of the async queue send calls. */
    private FleetDispatch dispatch;
    /** Copies this node's usage ledger to the fleet's log; set while the node starts. */
    private LedgerShipping shipping;
    /** How often the usage ledger's new entries are copied to the fleet's log. */
    private static final java.time.Duration SHIPPING = java.time.Duration.ofMillis(250);

    /** Held while the apps that lost a replica are placed again, so that changes in the live nodes are acted on one at a time. */
    private final Object replacing = new Object();

    /** How long a starting node waits for the fleet's state to answer before it gives up. */
    private static final Duration STATE_WAIT = Duration.ofMinutes(2);

    private ClusterNode(NodeConfig config, ClusterConfig cluster, boolean dev) {
        self = cluster.node();
        try {
            String cloud = cluster.cloud();
            boolean supercluster = cluster.topology().clouds().stream().filter(c -> !c.edge()).count() > 1;
            String stateCloud = supercluster ? cluster.topology().stateCloud() : null;
            String mirrorCloud = supercluster ? cluster.topology().stateMirror().orElse(null) : null;
            engine = Engine.connect(cluster.nats(), cluster.node(), stateCloud, cluster.topology().stateReplicas(), mirrorCloud);
            engine.awaitJetStream(STATE_WAIT);
            // tenants' events on a connection of their own: a backlog flowing through stream functions, tens of thousands of
            // messages a second, does not queue ahead of the fleet's calls, leases and ticks in one TCP stream
            events = Engine.connect(cluster.nats(), cluster.node() + "-events", stateCloud, cluster.topology().stateReplicas(), mirrorCloud);
            // and the usage ledger's copy on a third: a call's record each, sent every 250 ms in runs of up to 256 KiB, which
            // queued ahead of a tick's writes held its call up by tens of milliseconds while a backlog flowed
            usageLogs = Engine.connect(cluster.nats(), cluster.node() + "-usage", stateCloud, cluster.topology().stateReplicas(), mirrorCloud);
            var tenants = new Tenants(new JetStreamDocument(engine, "tenants"), Clock.systemUTC());
            Authenticator auth = dev ? Authenticator.open(SingleNode.DEV_TENANT) : tenants;
            if (!dev) {
                tenants.bootstrapAdmin().ifPresent(key -> SingleNode.writeAdminKey(config.dataDir().resolve("admin.key"), key.apiKey()));
            }
            // a tenant's data is sealed with a key of the level its trust policy names: only nodes of clouds it allows hold it
            Sealer sealer = cluster.sealer().withPolicy(tenants::trustOf);
            directory = NodeDirectory.watch(engine, cluster.deadAfter(), cluster.node());
            var elastic = new ElasticNodes(engine);
            CapacityProvider provider = cluster.capacity().provider() == ClusterConfig.Capacity.Provider.LOCAL
                    ? new LocalCapacity(engine.connection()) : new StaticCapacity();
            var fleet = new ClusterFleet(cluster.topology(), directory, elastic, cluster.prices(), provider, Clock.systemUTC());
            callers = new CallerRegions(cluster.controlTick().multipliedBy(CallerRegions.WINDOW_TICKS), Clock.systemUTC());
            var inspector = new PackageInspector(new PackageLimits(config.maxPackageBytes(), PackageLimits.DEFAULT.maxUnpackedBytes(),
                    PackageLimits.DEFAULT.maxEntries()));
            var globalState = NatsKeyValue.open(engine, config.stateBytesPerTenant(), config.maxValueBytes(), sealer);
            var scalingLog = new ScalingLog(engine);
            apps = new ClusterApps(cluster.node(), AppRecords.open(engine), PackageStore.open(engine), inspector, fleet,
                    config.dataDir().resolve("packages"), this::served, globalState, tenants::trustOf, scalingLog::read);
            apps.start();
            var wan = new Wan(cluster.topology(), cluster.emulateWan());
            bus = new NodeBus(engine.connection(), cloud, wan, cluster.faults());
            var audit = new AuditLog(config.dataDir().resolve("audit.log"), Clock.systemUTC());
            var takeover = new Takeover(engine, cluster.node(), sealer);
            var usage = UsageLogs.open(usageLogs);
            node = Node.start(config, apps.placedHere(), auth, List.of(new ControlApi(apps, tenants, auth, fleet)),
                    new Node.Fabric(invoker -> {
                        bus.tracing(invoker.tracing());
                        dispatch = new FleetDispatch(cluster.node(), cloud, cluster.topology(), directory, apps, invoker, bus, wan, audit,
                                callers, Clock.systemUTC());
                        invoker.callElsewhere(dispatch);
                        return dispatch;
                    }, Optional.of(new DataLayers.Shared(globalState, NatsNamespaces.open(engine, config.stateBytesPerTenant(), config.maxValueBytes(), sealer))),
                    takeover, new JetStreamOwners(engine, cluster.node()),
                    new OtherNodes(cluster.node(), cloud, cluster.topology(), directory),
                    Optional.of(given -> async = new QueuedAsync(engine, dispatch, config.asyncRetention(), ASYNC_PARALLEL, sealer)),
                    // every node holding a tenant's key fires its schedules, for every app of the fleet: one scaled to zero too
                    Optional.of(new Node.Events(JetStreamEventLog.open(events, sealer), KvTickLedger.open(engine), apps,
                            tenant -> sealer.holds(sealer.levelOf(tenant)))), cluster.prices(),
                    Optional.of(new FleetLedgers(usage, config.dataDir().resolve("billing").resolve("fleet"))),
                    ledger -> shipping = LedgerShipping.start(ledger, usage, cluster.node(), config.dataDir(), SHIPPING)));
            takeover.watchClaimsOnMe(node.executions());
            takeover.watchHandovers(node.executions());
            var handover = new Handover(cluster.node(), directory, takeover, node.executions(), key -> apps.find(key).isPresent(),
                    node.invoker()::serves);
            localData = new LocalDataMove(cluster.node(), engine.connection(), directory, sealer, node.data(), key -> apps.find(key).isPresent());
            localData.start();
            apps.placedHere().subscribe(new dev.skyfn.core.app.AppCatalog.Listener() {
                @Override
                public void deployed(dev.skyfn.core.app.DeployedApp app, dev.skyfn.core.app.DeployedApp previous) {
                }

                @Override
                public void removed(dev.skyfn.core.app.DeployedApp app) {
                    Thread.ofVirtual().name("handover-" + app.key()).start(() -> handover.appLeft(app.key()));
                }
            });
            keepSparesForAutoscaledApps();
            bus.serve(cluster.node(), node.invoker());
            int memoryMb = cluster.topology().node(cluster.node()).orElseThrow().memoryMb();
            concurrency = new ConcurrencySampler(List.of(node::inFlightByApp, dispatch::activating));
            // a node that has not joined is no machine of the fleet yet: it works no queued call and sends no heartbeat
            awaitJoin(cluster.capacity().joinSignal());
            var joining = new JoinSteps();
            // not before: a machine booted ahead under the name of one given back would clear the claims and the record of that
            // one's going while the fleet still takes its executions over, and a claim made meanwhile would outlive this one
            takeover.clearClaims();
            joining.done("claims cleared");
            if (async != null) {
                async.work();
            }
            joining.done("queued calls taken");
            node.startTriggers();
            joining.done("triggers started");
            // before the first heartbeat: this node hearing itself join is a change too, and one missed is not told again
            var lastServing = new AtomicReference<Map<String, List<String>>>(Map.of());
            directory.onChange(m -> {
                Map<String, List<String>> serving = serving();
                Map<String, List<String>> before = lastServing.getAndSet(serving);
                if (serving.equals(before)) {
                    return; // a report of load: nobody joined, left or died, and every node serves what it did
                }
                boolean aliveChanged = !serving.keySet().equals(before.keySet());
                Thread.ofVirtual().start(() -> {
                    try {
                        if (aliveChanged) {
                            // one change at a time, each on the nodes alive when it runs: a run on a set that has changed since
                            // would write a placement the next change has already undone
                            synchronized (replacing) {
                                apps.replaceLost(serving().keySet());
                            }
                        }
                        // also when a node starts serving an app: the heir of a dead node's executions is the first to serve their app,
                        // and an app that ran on the dead node alone is served again only once it is placed and loaded elsewhere.
                        // Dead, or given back: a node that said goodbye otherwise resumes its own executions when it starts again
                        takeover.onDeaths(directory, node.executions(), givenBack(elastic));
                    } catch (RuntimeException e) {
                        LOG.warn("the change in the live nodes is not acted on now ({}); it is at the next change", e.getMessage());
                    }
                });
            });
            heartbeat = NodeDirectory.beat(engine, cluster.heartbeat(), () -> report(cluster.node(), cloud, config, memoryMb));
            // a replica is routed to once the fleet hears this node serves it, and away from once it hears it does not: at once,
            // not at the next beat (this node's own gateway included, which ranks itself by the report it last heard of itself)
            node.onServingChanged(heartbeat::beatNow);
            joining.done("first heartbeat");
            notices = PreemptionNotices.watch(engine.connection(), cluster.node(), this::preempted);
            control = new FleetControl(cluster.node(), cluster.topology(), directory, apps, fleet,
                    new FleetAutoscaler(cluster.node(), directory, apps, scalingLog, node.metrics()), new Moves(apps, fleet, Rebalance.HYSTERESIS, Clock.systemUTC(),
                            cluster.controlTick().multipliedBy(Moves.RAMP_TICKS)),
                    new CapacityController(fleet::topology, provider, elastic, cluster.capacity().releaseAfter()), Clock.systemUTC(),
                    cluster.controlTick());
            joining.done("control loop");
            LOG.info("node {} of cloud {} joined the fleet through {} in {}; {}", cluster.node(), cloud, cluster.nats(), joining,
                    sealer.seals() ? "tenants' data is sealed before it reaches JetStream"
                            : "tenants' data is NOT sealed: JetStream's servers and disks see it in clear (no data key)");
        } catch (RuntimeException | Error failed) {
            // what it had opened when it failed — connections to NATS, sandboxes, watchers — is not left running
            close();
            throw failed;
        }
    }

    /**
     * Keeps a spare of each autoscaled app's size, of every app of the fleet, known now or
     * deployed later: the autoscaler may place a replica of one here in a burst (on a node that
     * has just joined, most of all), and loading it into a spare of its size is what takes
     * milliseconds rather than seconds. A node booted ahead keeps them before it joins.
     */
    private void keepSparesForAutoscaledApps() {
        apps.subscribe(new dev.skyfn.core.app.AppCatalog.Listener() {
            @Override
            public void deployed(dev.skyfn.core.app.DeployedApp app, dev.skyfn.core.app.DeployedApp previous) {
                if (app.manifest().scaling().isPresent()) {
                    node.mayServe(app.manifest().memoryMb());
                }
            }

            @Override
            public void removed(dev.skyfn.core.app.DeployedApp app) {
            }
        });
        apps.all().stream().filter(a -> a.manifest().scaling().isPresent()).forEach(a -> node.mayServe(a.manifest().memoryMb()));
    }

    /** The elastic nodes the fleet is giving or has given back to their clouds: they will not start again as themselves. */
    private static java.util.Set<String> givenBack(ElasticNodes elastic) {
        return elastic.all().stream().filter(n -> n.state() == dev.skyfn.control.capacity.NodeState.DRAINING
                || n.state() == dev.skyfn.control.capacity.NodeState.RELEASED).map(dev.skyfn.control.capacity.ElasticNode::node)
                .collect(java.util.stream.Collectors.toSet());
    }

    /**
     * Starts a node of the fleet; in dev mode every call is tenant {@code dev} and needs no key.
     * Otherwise tenants and keys are the fleet's, in JetStream: the first node to start writes the
     * admin key to {@code <data>/admin.key}, and every node accepts the keys any node issued.
     */
    public static ClusterNode start(NodeConfig config, ClusterConfig cluster, boolean dev) {
        try {
            AtomicFiles.privateDirectory(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ClusterNode(config.toBuilder().name(cluster.node()).cloud(cluster.topology().cloud(cluster.cloud()).orElseThrow()).build(), cluster, dev);
    }

    private NodeReport report(String name, String cloud, NodeConfig config, int memoryMb) {
        int loaded = node.sandboxes().values().stream().mapToInt(Integer::intValue).sum();
        int capacity = Math.max(1, Math.min(config.maxSandboxes(), memoryMb / MB_PER_SANDBOX));
        List<String> serving = node.serving().stream().map(a -> a.key() + "@" + a.version()).sorted().toList();
        java.time.Instant leaving = leavingAt;
        return new NodeReport(name, cloud, "http://" + advertised(config.host()) + ":" + node.port(),
                Math.max(0, memoryMb - loaded * MB_PER_SANDBOX), Math.min(1.0, loaded / (double) capacity), serving, concurrency.drain(),
                dispatch.awaiting(), leaving == null ? null : leaving.toString(), callers.lately(),
                concurrency.busyMs());
    }

    /**
     * This node's cloud takes it back at {@code at}: the fleet hears it at once, gateways send it
     * only calls no other node can run, the deciding node moves its replicas elsewhere, and it
     * takes no more queued async calls (those it runs finish; one cut short is delivered again to
     * another node). What it runs until then finishes.
     */
    private void preempted(java.time.Instant at) {
        if (leavingAt != null) {
            return;
        }
        leavingAt = at;
        LOG.warn("node {} has its cloud's preemption notice: taken back at {} (in {} ms); its apps move to other nodes", self,
                at, Math.max(0, Duration.between(java.time.Instant.now(), at).toMillis()));
        if (async != null) {
            async.close();
        }
        heartbeat.beatNow();
    }

    /** The address other nodes reach this one's gateway at: its host, unless it listens on every interface. */
    private static String advertised(String host) {
        if (!host.equals("0.0.0.0")) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    /** The live nodes, each with the apps it serves. */
    private Map<String, List<String>> serving() {
        return directory.members().stream().filter(NodeDirectory.Member::alive)
                .collect(Collectors.toMap(m -> m.report().node(), m -> m.report().apps().stream().sorted().toList()));
    }

    /** Whether every live node the record places the app on serves its version. */
    private boolean served(AppRecord record) {
        String version = record.tenant() + "/" + record.app() + "@" + record.version();
        return record.replicas().stream().allMatch(r -> directory.member(r.node())
                .map(m -> !m.alive() || m.report().apps().contains(version)).orElse(true));
    }

    public int port() {
        return node.port();
    }

    public Node node() {
        return node;
    }

    /** Stops every part, each even when another failed to stop, and the connection to NATS last, whatever happened. */
    @Override
    public void close() {
        if (node != null) {
            // while the fleet and JetStream are still in reach: the calls end and their events are acknowledged
            node.stopTriggers();
        }
        for (AutoCloseable part : new AutoCloseable[]{control, notices, heartbeat, concurrency, async, bus, localData, node, shipping,
                apps == null ? null : apps::close,
                directory, events, usageLogs, engine}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                LOG.warn("stopping the node: {}", e.toString());
            }
        }
    }

    /** How long each step of joining took, in ms: what a slow join is made of. */
    private static final class JoinSteps {
        private final long start = System.nanoTime();
        private long last = start;
        private final StringBuilder steps = new StringBuilder();

        void done(String step) {
            long now = System.nanoTime();
            steps.append(steps.isEmpty() ? "" : ", ").append(step).append(' ').append((now - last) / 1_000_000).append(" ms");
            last = now;
        }

        @Override
        public String toString() {
            return (last - start) / 1_000_000 + " ms (" + steps + ")";
        }
    }

    /**
     * Waits, when given a join signal, until its file exists and then until the time it holds
     * (ISO-8601): the emulated machine this node runs on is not up before.
     */
    private static void awaitJoin(java.util.Optional<Path> signal) {
        if (signal.isEmpty()) {
            return;
        }
        try {
            if (!Files.exists(signal.get())) {
                LOG.info("node up, held until {} says when it joins the fleet", signal.get());
            }
            while (!Files.exists(signal.get())) {
                Thread.sleep(50);
            }
            java.time.Instant at = java.time.Instant.parse(Files.readString(signal.get()).strip());
            Duration wait = Duration.between(java.time.Instant.now(), at);
            if (wait.isPositive()) {
                LOG.info("joining the fleet in {} ms, when the emulated cloud's start-up has passed", wait.toMillis());
                Thread.sleep(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("stopped before joining the fleet", e);
        } catch (java.io.IOException | java.time.format.DateTimeParseException e) {
            throw new IllegalStateException("the join signal " + signal.get() + " holds no time to join: " + e.getMessage(), e);
        }
    }
}
