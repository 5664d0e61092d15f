package dev.skyfn.node;

import dev.skyfn.control.api.Api;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.TickLedger;
import dev.skyfn.events.FileTickLedger;
import dev.skyfn.events.EmbeddedEventLog;
import dev.skyfn.events.StateOutbox;
import dev.skyfn.events.Triggers;
import dev.skyfn.node.http.Elsewhere;
import dev.skyfn.node.http.EventApi;
import dev.skyfn.node.invoke.TriggerCalls;
import dev.skyfn.node.http.Gateway;
import dev.skyfn.node.http.LogApi;
import dev.skyfn.node.http.StatsApi;
import dev.skyfn.node.http.NodeApi;
import dev.skyfn.node.http.RunningApi;
import dev.skyfn.node.http.TraceApi;
import dev.skyfn.node.http.WorkflowApi;
import dev.skyfn.node.workflow.ExecutionBackups;
import dev.skyfn.node.workflow.ExecutionOwners;
import dev.skyfn.node.workflow.Executions;
import dev.skyfn.node.data.DataLayers;
import dev.skyfn.node.invoke.AppRuntimes;
import dev.skyfn.node.invoke.Async;
import dev.skyfn.node.invoke.AsyncInvocations;
import dev.skyfn.node.invoke.Dispatch;
import dev.skyfn.node.invoke.Invoker;
import dev.skyfn.node.logs.LogStore;
import dev.skyfn.node.metrics.NodeMetrics;
import dev.skyfn.node.sandbox.Cgroups;
import dev.skyfn.node.sandbox.Confinement;
import dev.skyfn.node.sandbox.SandboxLauncher;
import dev.skyfn.node.sandbox.SandboxPool;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import dev.skyfn.billing.Ledgers;
import dev.skyfn.billing.LocalLedgers;
import dev.skyfn.billing.PriceTable;
import dev.skyfn.core.cloud.PriceFeed;
import dev.skyfn.node.http.BillingApi;
import dev.skyfn.node.metering.Metering;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node agent: the HTTP gateway, the sandbox pool and the runtimes of the apps it serves. The
 * composition root of the node's parts, in the order they depend on each other.
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    private static final long MAX_RETAINED_ASYNC_BYTES = 256L << 20;
    /** Events published on one machine that its subscriptions have not taken yet, at most. */
    private static final long MAX_EMBEDDED_EVENT_BYTES = 256L << 20;
    /** How often deadlines of calls in flight are checked: timeouts fire at most this late. */
    private static final Duration CALL_SWEEP = Duration.ofMillis(5);
    /** How often the bytes each sandbox sent out of the node are counted and metered. */
    static final Duration EGRESS_COUNT = Duration.ofSeconds(10);
    /** How often run directories and cgroups of skyfn processes that stopped are looked for. */
    private static final Duration STALE_SWEEP = Duration.ofMinutes(1);

    private final Path runDir;
    private final SandboxLauncher launcher;
    private final SandboxPool pool;
    private final DataLayers data;
    private final AppRuntimes runtimes;
    private final NodeScheduler scheduler = new NodeScheduler();
    private final WebServer server;
    private final Invoker invoker;
    private final NodeMetrics metrics;

    /** The node's tracing (off unless its config names an endpoint). */
    public dev.skyfn.node.tracing.Tracing tracing() {
        return tracing;
    }
    private final Dispatch dispatch;
    private final Executions executions;
    private final Triggers triggers;
    /** State changes made through this node whose events the log has not yet kept. */
    private final StateOutbox outbox;
    /** The embedded default's event log, when the node keeps one of its own (none in a fleet). */
    private EmbeddedEventLog embeddedEvents;
    /** The async invocations of one machine, when the node keeps them itself (none in a fleet). */
    private AsyncInvocations embeddedAsync;
    private final Metering metering;
    private final DataDirLock dataLock;
    private final dev.skyfn.node.tracing.Tracing tracing;

    /**
     * What a node of a fleet does differently from the embedded default.
     *
     * @param dispatch    where its gateway sends invocations, given the node's own invoker
     * @param shared      the data layers it shares with other nodes, when it does
     * @param backups     where its workflow executions' log is copied for other nodes to take over
     * @param owners      which node runs each workflow execution (other nodes take them over when this one dies)
     * @param elsewhere   the other nodes, for workflow requests this one cannot answer
     * @param async       where its async invocations queue, given its dispatch (empty: in its memory)
     * @param events      where its triggers' events and ticks are kept (empty: in its memory and data directory)
     * @param prices      its cloud's prices over time, which its usage records carry
     * @param ledgers     the fleet's usage ledgers its bills are made of (empty: its own alone)
     * @param shipping    what it does with its own ledger besides keeping it (a fleet copies it to JetStream)
     */
    public record Fabric(Function<Invoker, Dispatch> dispatch, Optional<DataLayers.Shared> shared, ExecutionBackups backups,
                         ExecutionOwners owners, Elsewhere elsewhere,
                         Optional<Function<Dispatch, Async>> async, Optional<Events> events, PriceFeed prices,
                         Optional<Ledgers> ledgers, java.util.function.Consumer<dev.skyfn.billing.Ledger> shipping) {
        static final Fabric NONE = new Fabric(invoker -> invoker, Optional.empty(), ExecutionBackups.NONE, ExecutionOwners.SOLE,
                Elsewhere.NOWHERE, Optional.empty(), Optional.empty(), PriceFeed.FIXED, Optional.empty(), ledger -> {
                });
    }

    /**
     * Where a node's triggers keep their state.
     *
     * @param log       the events published to tenants' subjects
     * @param ledger    the last tick each schedule fired
     * @param scheduled the apps whose schedules this node fires (all of a fleet's: an app scaled to zero still gets its ticks)
     * @param handles   whether this node may handle a tenant's events (holds the key to its data)
     */
    public record Events(EventLog log, TickLedger ledger, AppCatalog scheduled, java.util.function.Predicate<String> handles) {
    }

    private Node(NodeConfig config, AppCatalog catalog, Authenticator auth, List<HttpService> services, Fabric fabric,
                 DataDirLock dataLock) throws IOException {
        this.dataLock = dataLock;
        try {
            Confinement confinement = confinement(config);
            Cgroups cgroups = cgroups(config);
            runDir = RunDirs.create("node");
            tracing = dev.skyfn.node.tracing.Tracing.of(config.tracing(), config.name(), config.cloud().name());
            metrics = new NodeMetrics(tracing.on(), config.name(), config.cloud().name());
            LogStore logs = new LogStore(config.logBytesPerApp(), config.logBytesInAll());
            data = fabric.shared()
                    .map(shared -> new DataLayers(shared, config.stateBytesPerTenant(), config.maxValueBytes(), scheduler))
                    .orElseGet(() -> new DataLayers(config.dataDir().resolve("state"), config.stateBytesPerTenant(),
                            config.maxValueBytes(), scheduler));
            launcher = new SandboxLauncher(runDir, config.cacheDir(), config.bootTimeout(),
                    config.maxFrameBytes(), config.aotCache(), sandboxJvmOptions(config), confinement, cgroups, metrics::sandboxBooted,
                    config.sandboxTransport());
            launcher.trainAotCache();
            scheduler.every(CALL_SWEEP, "timing out calls", () -> launcher.expireCalls(config.cancelGrace()));
            // looked for at start too, but a node killed just before this one started may have been exiting then
            scheduler.every(STALE_SWEEP, "removing what stopped skyfn processes left", () -> {
                RunDirs.removeStale();
                launcher.cgroups().removeStale();
            });
            pool = new SandboxPool(launcher, config.spareSandboxes(), config.spareMemoryBytes(), config.fitSpares());
            metrics.gauge("skyfn.sandboxes.spare.target", "Pre-booted sandboxes the node keeps now: --spares, more while cold starts are frequent",
                    pool::target);
            pool.want(dev.skyfn.core.manifest.FunctionSpec.DEFAULT_MEMORY_MB);
            runtimes = new AppRuntimes(config, pool, logs, data, metrics, scheduler, catalog);
            invoker = runtimes.invoker();
            invoker.tracing(tracing);
            if (tracing.on()) {
                LOG.info("tracing: spans of {} of the traces started here kept in memory for GET /v1/traces and GET /v1/traces/{id}{}", config.tracing().sampleRatio(),
                        config.tracing().endpoint() == null ? "" : " and exported to " + config.tracing().endpoint() + " over OTLP/HTTP");
            }
            metering = Metering.open(config.dataDir(), config.name(), config.cloud(), fabric.prices(), config.ledgerHeadInterval(), scheduler,
                    Clock.systemUTC());
            if (config.metering()) {
                metering.costs(metrics::cost);
                invoker.meter(metering);
                Metering meter = metering;
                launcher.countEgressTo((sandbox, apps, bytes) -> meter.sentOut("sandbox-" + sandbox,
                        apps.stream().map(DeployedApp::key).toList(), bytes));
                scheduler.every(EGRESS_COUNT, "counting the bytes sandboxes sent out", launcher::countEgress);
            } else {
                LOG.warn("metering is off (--no-metering): no usage records are written, and bills stay empty");
            }
            fabric.shipping().accept(metering.ledger());
            executions = new Executions(config.dataDir().resolve("workflows"), invoker, scheduler, config.executionBytesPerTenant(),
                    config.executionRetention(), config.maxExecutionsKept(), fabric.backups(), fabric.owners());
            runtimes.routeExecutions(executions);
            metrics.gauge("skyfn.executions.running", "Workflow executions running", executions::running);
            dispatch = fabric.dispatch().apply(invoker);
            Async async = fabric.async().map(queue -> queue.apply(dispatch)).orElseGet(() -> {
                embeddedAsync = new AsyncInvocations(dispatch, config.maxAsyncPending(), MAX_RETAINED_ASYNC_BYTES, config.asyncRetention(),
                        Clock.systemUTC(), scheduler, tracing, config.dataDir().resolve("async").resolve("invocations.log"));
                return embeddedAsync;
            });
            metrics.gauge("skyfn.async.pending", "Async invocations accepted and not yet finished", async::pending);
            Events events = fabric.events().orElseGet(() -> {
                embeddedEvents = EmbeddedEventLog.open(config.dataDir().resolve("triggers").resolve("events.log"), MAX_EMBEDDED_EVENT_BYTES,
                        Clock.systemUTC());
                return new Events(embeddedEvents, new FileTickLedger(config.dataDir().resolve("triggers").resolve("ticks.json")), catalog,
                        tenant -> true);
            });
            triggers = new Triggers(events.log(), events.ledger(), new TriggerCalls(dispatch, async, events.handles(), tracing), events.scheduled(),
                    catalog, Clock.systemUTC());
            runtimes.routePublishes(new TriggerCalls.Publishes(triggers));
            runtimes.routeFleet(events.scheduled());
            outbox = StateOutbox.open(config.dataDir().resolve("triggers").resolve("state-outbox"), events.log(),
                    (app, key) -> data.global().get(dev.skyfn.core.data.KeyValue.scope(app.tenant(), app.app()), key));
            AppCatalog scheduled = events.scheduled();
            data.watchChanges(new DataLayers.Changes() {
                @Override
                public boolean watched(dev.skyfn.core.app.AppKey app) {
                    return scheduled.find(app).map(triggers::watchesState).orElse(false);
                }

                @Override
                public StateOutbox.Change changing(dev.skyfn.core.app.AppKey app, String key, byte[] before, byte[] after) {
                    return scheduled.find(app).map(a -> outbox.hold(app, key, before, after, triggers.stateChange(a, key, before, after)))
                            .orElse(StateOutbox.Change.NONE);
                }
            });
            server = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .shutdownHook(false)
                    .maxTcpConnections(dev.skyfn.node.http.RequestLimits.maxConnections())
                    .addProtocol(dev.skyfn.node.http.RequestLimits.http1())
                    .directHandlers(dev.skyfn.node.http.RequestLimits.refusals())
                    .routing(r -> routing(r, services, new Gateway(dispatch, async, auth, config.maxRequestBytes(), fabric.elsewhere(), catalog, tracing),
                            new LogApi(logs, auth, dispatch, config.name(), fabric.elsewhere()),
                            new StatsApi(metrics, runtimes, auth, config.name(), config.cloud(), fabric.elsewhere()),
                            new RunningApi(invoker, auth, config.name(), fabric.elsewhere()),
                            new TraceApi(tracing, auth, config.name(), config.cloud().name(), fabric.elsewhere()),
                            new WorkflowApi(executions, invoker, auth, config.maxRequestBytes(), fabric.elsewhere()),
                            new EventApi(triggers, dispatch, auth, config.maxRequestBytes(), tracing),
                            new BillingApi(fabric.ledgers().orElseGet(() -> new LocalLedgers(config.name(), metering.ledger())), auth,
                                    PriceTable.standard()),
                            new NodeApi(metrics, runtimes, pool, auth), new dev.skyfn.console.Console()))
                    .build()
                    .start();
            if (server.port() < 0) {
                throw inUse(config.host(), config.port(), "the server did not start");
            }
            executions.resume();
        } catch (RuntimeException | Error e) {
            // what started before the failure must not outlive it: threads, sandboxes, files held open
            try {
                close();
            } catch (RuntimeException | Error also) {
                e.addSuppressed(also);
            }
            throw e;
        }
        LOG.info("node listening on http://{}:{}", config.host(), server.port());
    }

    public static Node start(NodeConfig config, AppCatalog catalog, Authenticator auth, List<HttpService> services) {
        return start(config, catalog, auth, services, Fabric.NONE);
    }

    /** A node of a fleet. */
    public static Node start(NodeConfig config, AppCatalog catalog, Authenticator auth, List<HttpService> services, Fabric fabric) {
        ensureFree(config.host(), config.port());
        DataDirLock lock = DataDirLock.acquire(config.dataDir());
        try {
            return new Node(config, catalog, auth, services, fabric, lock);
        } catch (IOException e) {
            lock.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /** The best confinement the host offers; on a host that offers none, a node that requires it does not start. */
    private static Confinement confinement(NodeConfig config) {
        Confinement confinement = Confinement.detect(config.sandboxTmpBytes(), config.name());
        if (!confinement.confines() && config.isolation() == NodeConfig.Isolation.REQUIRED) {
            throw new IllegalStateException(confinement.describe()
                    + "; install bubblewrap, or accept sandboxes that are not confined with --allow-weak-isolation");
        }
        if (confinement.confines()) {
            LOG.info(confinement.describe());
        } else {
            LOG.warn(confinement.describe());
        }
        return confinement;
    }

    /** The operator's options for sandbox JVMs; a node that meters nothing spares its sandboxes measuring calls' CPU time. */
    private static List<String> sandboxJvmOptions(NodeConfig config) {
        if (config.metering()) {
            return config.sandboxJvmOptions();
        }
        List<String> options = new ArrayList<>(List.of("-Dskyfn.meterCpu=false"));
        options.addAll(config.sandboxJvmOptions());
        return options;
    }

    /**
     * The cgroups the host offers sandboxes. A node starts without them (unlike without
     * confinement): a sandbox's heap is still bounded by its JVM, and the log says what is not.
     */
    private static Cgroups cgroups(NodeConfig config) {
        Cgroups cgroups = Cgroups.detect(config.sandboxPids());
        if (cgroups.limitsMemory()) {
            LOG.info(cgroups.describe());
        } else {
            LOG.warn(cgroups.describe());
        }
        return cgroups;
    }

    /** Fails at once when the node's port is taken, before any sandbox boots; port 0 takes any free one. */
    private static void ensureFree(String host, int port) {
        if (port == 0) {
            return;
        }
        try (var probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (IOException e) {
            throw inUse(host, port, e.getMessage());
        }
    }

    private static UncheckedIOException inUse(String host, int port, String why) {
        return new UncheckedIOException(new java.net.BindException("cannot listen on " + host + ":" + port
                + " (" + why + "): is another skyfn or another server using it? Choose another with --port"));
    }

    /**
     * The node's routes: {@code services}, then {@code own}, then {@code NOT_FOUND}; every failure
     * a route lets out answers skyfn's JSON error — a {@link SkyfnException} its own code, anything
     * else, an {@link Error} too (a stack overflow, an assertion), {@code INTERNAL} — never the
     * server's plain-text page.
     */
    static void routing(HttpRouting.Builder r, List<HttpService> services, HttpService... own) {
        r.addFilter(dev.skyfn.node.http.RequestLimits.filter());
        r.error(SkyfnException.class, (req, res, e) -> Api.error(res, e))
                .error(UncheckedIOException.class, (req, res, e) -> Api.error(res, ErrorCode.BAD_REQUEST,
                        "the request could not be read: " + e.getCause().getMessage(), Map.of()))
                .error(io.helidon.common.buffers.DataReader.InsufficientDataAvailableException.class, (req, res, e) -> {
                    // the client's fault, and no failure of the node's: it went before sending what it said it would
                    LOG.debug("{} {}: the request ended before the body its Content-Length announced", req.prologue().method().text(),
                            req.path().rawPath());
                    Api.error(res, ErrorCode.BAD_REQUEST, "the request ended before the body its Content-Length announced", Map.of());
                })
                .error(Throwable.class, (req, res, e) -> {
                    LOG.error("unexpected failure serving {} {}", req.prologue().method().text(), req.path().rawPath(), e);
                    Api.error(res, ErrorCode.INTERNAL, "an unexpected error occurred; the node's log has details", Map.of());
                });
        services.forEach(r::register);
        r.register(own);
        r.any((req, res) -> Api.error(res, ErrorCode.NOT_FOUND,
                "no such endpoint: " + req.prologue().method().text() + " " + req.path().rawPath(), Map.of()));
    }

    public int port() {
        return server.port();
    }

    /**
     * Starts firing the apps' schedules and taking their topics' events, once the node is a machine
     * of its fleet, if any; on one machine, first runs again the async invocations (a tick's call
     * among them) it had accepted and not finished before it last stopped.
     */
    public void startTriggers() {
        closing(embeddedAsync, AsyncInvocations::resume);
        triggers.start();
        // after the subscriptions are open: the embedded log keeps only events some subscription wants
        outbox.start();
    }

    /**
     * Stops firing schedules and taking events, and waits for the triggers' running calls to end
     * ({@link Triggers#close}): first of all when a node of a fleet stops, while it can still reach
     * the other nodes and JetStream to finish them.
     */
    public void stopTriggers() {
        closing(triggers, Triggers::close);
    }

    /** How this node's sandboxes are walled off from the host. */
    public Confinement confinement() {
        return launcher.confinement();
    }

    /** How this node's sandboxes are limited in what they use of the host. */
    public Cgroups cgroups() {
        return launcher.cgroups();
    }

    /** The node's metrics, scraped at {@code /metrics}. */
    public NodeMetrics metrics() {
        return metrics;
    }

    public Invoker invoker() {
        return invoker;
    }

    /**
     * Keeps a spare sandbox of {@code heapMb}: first of all on a node that serves no app yet (an
     * elastic node that has just joined, most of all), else beside those of the apps served here,
     * where the spares outnumber their sizes. A node of a fleet may be given a replica of an
     * autoscaled app at any moment, in a burst, and a spare of the app's size loads it in
     * milliseconds where booting a sandbox takes seconds on a busy host.
     */
    public void mayServe(int heapMb) {
        if (runtimes.serving().isEmpty()) {
            pool.want(heapMb);
        } else {
            pool.mayWant(heapMb);
        }
    }

    /** The node's data layers. */
    public DataLayers data() {
        return data;
    }

    public Executions executions() {
        return executions;
    }

    /** The apps this node is ready to serve. */
    public List<dev.skyfn.core.app.DeployedApp> serving() {
        return runtimes.serving();
    }

    /**
     * Calls {@code listener} each time {@link #serving()} changes — an app became ready to serve
     * here (loaded, where replicas are loaded when placed), or was removed — on the thread that
     * changed it: it must be quick.
     */
    public void onServingChanged(Runnable listener) {
        runtimes.onServingChanged(listener);
    }

    /** Calls of each app running or queued on this node now; apps with none are left out. */
    public Map<dev.skyfn.core.app.AppKey, Integer> inFlightByApp() {
        return runtimes.inFlightByApp();
    }

    /** App sandboxes on this node by state (spares not included). */
    public Map<dev.skyfn.node.sandbox.Sandbox.State, Integer> sandboxes() {
        return runtimes.sandboxes();
    }

    /** Stops the node; also what a constructor that failed half-way has started (a field not yet set is null). */
    @Override
    public void close() {
        closing(triggers, Triggers::close);
        closing(server, WebServer::stop);
        closing(embeddedAsync, AsyncInvocations::stopping);
        closing(executions, Executions::close);
        closing(runtimes, AppRuntimes::close);
        closing(pool, SandboxPool::close);
        closing(embeddedAsync, AsyncInvocations::close);
        closing(outbox, StateOutbox::close);
        closing(embeddedEvents, EmbeddedEventLog::close);
        scheduler.close();
        closing(launcher, SandboxLauncher::killAll); // before the ledger closes: the bytes they sent out are metered as they go
        closing(metering, Metering::close);
        dataLock.close();
        closing(data, DataLayers::close);
        closing(tracing, dev.skyfn.node.tracing.Tracing::close);
        if (runDir != null) {
            RunDirs.delete(runDir);
        }
    }

    private static <T> void closing(T part, java.util.function.Consumer<T> close) {
        if (part != null) {
            close.accept(part);
        }
    }
}
