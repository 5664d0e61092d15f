package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.NodeScheduler;
import dev.skyfn.node.data.DataLayers;
import dev.skyfn.node.logs.LogStore;
import dev.skyfn.node.metrics.NodeMetrics;
import dev.skyfn.node.sandbox.Sandbox;
import dev.skyfn.node.sandbox.SandboxPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * The apps this node serves, kept in step with the catalog, and what their runtimes share: the
 * sandbox pool, logs, metrics and a scheduler that retires idle sandboxes.
 */
public final class AppRuntimes implements AppCatalog.Listener {

    private final NodeConfig config;
    private final SandboxPool pool;
    private final LogStore logs;
    private final DataLayers data;
    private final NodeMetrics metrics;
    private final NodeScheduler scheduler;
    private final Map<AppKey, AppRuntime> runtimes = new ConcurrentHashMap<>();
    /**
     * Runtimes of apps removed from this node whose calls, running or queued, are still being
     * finished here: the node is not idle, nor may it be given back, until they are.
     */
    private final Set<AppRuntime> finishing = ConcurrentHashMap.newKeySet();
    private volatile dev.skyfn.core.app.AppCatalog fleet;
    private final Object room = new Object();
    /** How often a load waiting for room looks again whether a sandbox fell idle. */
    private static final Duration ROOM_POLL = Duration.ofMillis(20);
    private final java.util.concurrent.atomic.AtomicInteger waitingForRoom = new java.util.concurrent.atomic.AtomicInteger();
    private final Invoker invoker = new Invoker(this);
    private volatile ExecutionSink executions = ExecutionSink.NONE;
    private volatile Publisher publisher = (app, op) -> new dev.skyfn.core.wire.Message.Failure(op.id(), ErrorCode.UNAVAILABLE.name(),
            "this node publishes no events", "");
    /** Told each time {@link #serving()} changes: an app became ready here, or was removed. */
    private volatile Runnable onServingChanged = () -> { };
    /** Whether a replica is loaded when placed, and an autoscaled app's kept loaded ({@link AppCatalog#placesReplicas()}). */
    private final boolean warmReplicas;

    public AppRuntimes(NodeConfig config, SandboxPool pool, LogStore logs, DataLayers data, NodeMetrics metrics,
                       NodeScheduler scheduler, AppCatalog catalog) {
        this.config = config;
        this.data = data;
        this.pool = pool;
        this.logs = logs;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.warmReplicas = catalog.placesReplicas();
        catalog.subscribe(this);
        catalog.all().forEach(app -> deployed(app, null));
        scheduler.every(config.reapInterval(), "retiring idle sandboxes", this::reapIdle);
        for (Sandbox.State state : Sandbox.State.values()) {
            metrics.gauge("skyfn.sandboxes", "App sandboxes on this node by state", () -> count(state), "state", state.name().toLowerCase());
        }
        metrics.gauge("skyfn.sandboxes.spare", "Pre-booted sandboxes ready for an app", pool::idleCount);
        metrics.gauge("skyfn.sandbox.apps", "Apps loaded and serving in sandboxes (several may share one)", this::appsServing);
    }

    public Invoker invoker() {
        return invoker;
    }

    /** Routes what sandboxes report of workflow executions; set once, by the node, before executions start. */
    public void routeExecutions(ExecutionSink sink) {
        executions = sink;
    }

    /** Where the events the apps' functions publish go. */
    public void routePublishes(Publisher publisher) {
        this.publisher = publisher;
    }

    /**
     * Tells which apps the fleet still has ({@code fleet}: all of its apps, the node's catalog on one
     * machine): calls of an app removed from this node that it still finishes may touch its state
     * only while the app is still this one in the fleet — moved to other nodes, not removed, nor
     * removed and created again.
     */
    public void routeFleet(dev.skyfn.core.app.AppCatalog fleet) {
        this.fleet = fleet;
    }

    /** Whether {@code app} is still in the fleet as it is (same creation), not removed or created again. */
    boolean stillIn(DeployedApp app) {
        return fleet == null || fleet.find(app.key()).filter(app::sameApp).isPresent();
    }

    Publisher publisher() {
        return publisher;
    }

    /** Publishes an event a function of {@code app} sent ({@link dev.skyfn.core.wire.DataOp#PUBLISH}); answers with its id or a failure. */
    public interface Publisher {
        dev.skyfn.core.wire.Message publish(AppKey app, dev.skyfn.core.wire.Message.Data op);
    }

    ExecutionSink executions() {
        return executions;
    }

    NodeConfig config() {
        return config;
    }

    SandboxPool pool() {
        return pool;
    }

    DataLayers data() {
        return data;
    }

    LogStore logs() {
        return logs;
    }

    NodeMetrics metrics() {
        return metrics;
    }

    NodeScheduler scheduler() {
        return scheduler;
    }

    Optional<AppRuntime> get(AppKey key) {
        return Optional.ofNullable(runtimes.get(key));
    }

    @Override
    public void deployed(DeployedApp app, DeployedApp previous) {
        pool.want(app.manifest().memoryMb());
        metrics.prepare(app.key(), app.manifest().functions().keySet());
        AppRuntime existing = runtimes.get(app.key());
        if (existing == null) {
            AppRuntime created = new AppRuntime(app, this);
            runtimes.put(app.key(), created);
            if (warmReplicas) {
                // a replica placed here is there to take load now, not after a cold start: it says it serves once warm
                Thread.ofVirtual().name("prewarm-" + app.key()).start(created::prewarm);
            } else {
                created.ready();
            }
            app.manifest().functions().keySet().forEach(fn -> gauges(created, fn));
        } else {
            var before = existing.app().manifest().functions().keySet();
            existing.redeploy(app);
            // a function the new version adds gets its gauges; one it drops loses them
            app.manifest().functions().keySet().stream().filter(fn -> !before.contains(fn)).forEach(fn -> gauges(existing, fn));
            before.stream().filter(fn -> !app.manifest().functions().containsKey(fn)).forEach(fn -> metrics.forgetRuntime(app.key(), fn));
        }
    }

    /** The gauges of {@code function} reading {@code runtime}: its calls waiting and running. */
    private void gauges(AppRuntime runtime, String function) {
        metrics.runtimeGauges(runtime.key(), function, runtime, r -> r.waiting(function), r -> r.gate(function).running());
    }

    @Override
    public void removed(DeployedApp app) {
        AppRuntime runtime = runtimes.remove(app.key());
        if (runtime != null) {
            metrics.forgetRuntime(app.key());
            servingChanged();
            // no new call reaches it; those it holds finish in its sandbox, which goes once they are done
            if (runtime.inFlight() > 0) {
                runtime.markFinishing();
                finishing.add(runtime);
            } else {
                runtime.remove();
            }
        }
        logs.forget(app.key());
        data.clear(app.key());
        int heapMb = app.manifest().memoryMb();
        if (runtimes.values().stream().noneMatch(r -> r.app().manifest().memoryMb() == heapMb)) {
            pool.unwant(heapMb); // spares no longer boot at a size only a removed app asked for
        }
    }

    /** The apps with a runtime here ready to take calls (a replica once warm), in no particular order. */
    public java.util.List<DeployedApp> serving() {
        return runtimes.values().stream().filter(AppRuntime::isReady).map(AppRuntime::app).toList();
    }

    /** Calls {@code listener} each time {@link #serving()} changes, on the thread that changed it: it must be quick. */
    public void onServingChanged(Runnable listener) {
        onServingChanged = listener;
    }

    /** An app became ready here, or was removed. */
    void servingChanged() {
        onServingChanged.run();
    }

    /** Sandboxes serving or retiring, by state; one hosting several apps counts once. */
    public Map<Sandbox.State, Integer> sandboxes() {
        Map<Sandbox.State, Integer> counts = new EnumMap<>(Sandbox.State.class);
        appSandboxes().forEach(s -> counts.merge(s.state(), 1, Integer::sum));
        return counts;
    }

    /** Apps loaded and serving in this node's sandboxes: more than the sandboxes when some share one. */
    public int appsServing() {
        return (int) runtimes.values().stream().filter(r -> r.warmSeat() != null).count();
    }

    /**
     * Calls of each app running or queued here now — direct calls from other sandboxes as the
     * callee's sandbox last reported them, and those of an app removed from this node that it
     * still finishes, included; apps with none are left out. What the fleet's autoscaler scales on.
     */
    public Map<AppKey, Integer> inFlightByApp() {
        Map<AppKey, Integer> counts = new java.util.HashMap<>();
        runtimes.forEach((key, runtime) -> {
            int n = runtime.inFlight() + runtime.directInFlight();
            if (n > 0) {
                counts.put(key, n);
            }
        });
        finishing.forEach(runtime -> counts.merge(runtime.key(), runtime.inFlight(), Integer::sum));
        counts.values().removeIf(n -> n == 0);
        return counts;
    }

    /** Calls in flight in this node's sandboxes. */
    public int inFlight() {
        return appSandboxes().stream().mapToInt(Sandbox::inFlight).sum();
    }

    /** The sandboxes apps are in, each once. */
    private Set<Sandbox> appSandboxes() {
        Set<Sandbox> all = Collections.newSetFromMap(new IdentityHashMap<>());
        runtimes.values().forEach(r -> all.addAll(r.sandboxList()));
        finishing.forEach(r -> all.addAll(r.sandboxList()));
        return all;
    }

    /**
     * A seat for {@code guest}'s {@code version} in a warm sandbox of another of its tenant's apps
     * with the same heap and network that allows sharing ({@link Sharing}), or null.
     */
    Sandbox.Seat shareFor(AppRuntime guest, DeployedApp version) {
        Map<Sandbox, Sharing.Candidate<Sandbox>> candidates = new IdentityHashMap<>();
        for (AppRuntime r : runtimes.values()) {
            Sandbox.Seat seat = r == guest ? null : r.warmSeat();
            if (seat != null && r.key().tenant().equals(guest.key().tenant()) && r.app().manifest().shareSandbox()
                    && r.app().manifest().network() == version.manifest().network()
                    && r.app().manifest().batch() == version.manifest().batch()
                    && seat.sandbox().heapMb() == version.manifest().memoryMb()) {
                Sandbox s = seat.sandbox();
                candidates.put(s, new Sharing.Candidate<>(s, s.appCount(), s.inFlight()));
            }
        }
        List<Sharing.Candidate<Sandbox>> left = new ArrayList<>(candidates.values());
        while (true) {
            Optional<Sharing.Candidate<Sandbox>> pick = Sharing.pick(left);
            if (pick.isEmpty()) {
                return null;
            }
            int slot = pick.get().sandbox().takeIn(guest, Sharing.MAX_APPS);
            if (slot >= 0) {
                return new Sandbox.Seat(pick.get().sandbox(), slot);
            }
            left.remove(pick.get()); // it filled up or stopped serving meanwhile
        }
    }

    private int count(Sandbox.State state) {
        return sandboxes().getOrDefault(state, 0);
    }

    /**
     * An idle sandbox the node could retire to make room: whether its app is batch work, whether
     * other sandboxes call it directly ({@link Sandbox#takesDirectCallers()}: calls the node does
     * not count may be running there), and when its app was last used ({@link System#nanoTime()}).
     */
    record EvictionCandidate(boolean batch, boolean directCallers, long lastUsedNanos) {
        static EvictionCandidate of(AppRuntime r, Sandbox sandbox) {
            return new EvictionCandidate(r.app().manifest().batch(), sandbox.takesDirectCallers(), r.lastUsedNanos());
        }
    }

    /**
     * Whether {@code a} goes before {@code b} when the node needs room: batch work first, then a
     * sandbox no other calls directly (one that is may be running calls the node cannot see,
     * which its retirement waits for only so long), then the one idle longer.
     */
    static boolean evictsBefore(EvictionCandidate a, EvictionCandidate b) {
        if (a.batch() != b.batch()) {
            return a.batch();
        }
        if (a.directCallers() != b.directCallers()) {
            return !a.directCallers();
        }
        return a.lastUsedNanos() - b.lastUsedNanos() < 0;
    }

    /**
     * Before {@code loading} loads its app into a sandbox of its own: while the node would hold more
     * app sandboxes than its limit (those serving or retiring, those other loads are getting, and
     * this one), retires an idle one that hosts only its own app ({@link #evictsBefore}: batch
     * work's first, then one no other sandbox calls directly, then the least recently used) and
     * waits for it to end ({@link #stopped}: one still running calls is left to end them, and no
     * other is retired meanwhile); then counts this load among those getting a sandbox. While
     * every sandbox is busy, waits for one to fall idle, up to {@code patience} (the calls waiting
     * for the load each give up at their own deadline, saying so); then the load is refused
     * ({@code UNAVAILABLE}) rather than the host overrun.
     */
    void makeRoom(AppRuntime loading, Duration patience) {
        long giveUp = System.nanoTime() + patience.toNanos();
        boolean waiting = false;
        // retired for this load but still running calls: room on its way, so no other is retired meanwhile
        Sandbox spared = null;
        synchronized (room) {
            try {
                while (appSandboxes().size() + runtimes.values().stream().filter(r -> r != loading && r.loadingOwn()).count() + 1
                        > config.maxSandboxes()) {
                    AppRuntime owner = spared != null && !spared.whenDead().isDone() ? null : idleToRetire(loading);
                    Sandbox.Seat victim = owner == null ? null : owner.idleSeat();
                    if (victim == null) {
                        if (!waiting) {
                            waiting = true;
                            waitingForRoom.incrementAndGet();
                        }
                        awaitRoom(giveUp, patience);
                        continue;
                    }
                    owner.retire(victim, "its node needed room for another app");
                    spared = stopped(victim.sandbox());
                }
                loading.loadingOwn(true);
            } finally {
                if (waiting) {
                    waitingForRoom.decrementAndGet();
                }
            }
        }
    }

    /**
     * Waits up to 5 s for {@code retired} to stop; then kills it, unless calls are still running
     * there — direct calls the node does not count (its Revoke unanswered), or one that reached it
     * as it retired — which end by their own deadline, or the sandbox is killed when they are
     * overdue ({@link AppRuntime#retire}). Returns it when it was spared so, else null.
     */
    private static Sandbox stopped(Sandbox retired) {
        try {
            retired.whenDead().get(5, TimeUnit.SECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while making room for the app");
        } catch (ExecutionException | TimeoutException e) {
            if (retired.inFlight() > 0) {
                return retired;
            }
            retired.kill("did not stop when its node needed room");
            return null;
        }
    }

    /** The app whose idle sandbox, hosting it alone, goes first when the node needs room ({@link #evictsBefore}); null if none is idle. */
    private AppRuntime idleToRetire(AppRuntime loading) {
        AppRuntime owner = null;
        EvictionCandidate first = null;
        for (AppRuntime r : runtimes.values()) {
            Sandbox.Seat idle = r == loading ? null : r.idleSeat();
            if (idle != null && idle.sandbox().appCount() == 1) {
                EvictionCandidate candidate = EvictionCandidate.of(r, idle.sandbox());
                if (first == null || evictsBefore(candidate, first)) {
                    owner = r;
                    first = candidate;
                }
            }
        }
        return owner;
    }

    /** Loads waiting for a sandbox to fall idle, the node being at its limit of sandboxes. */
    int waitingForRoom() {
        return waitingForRoom.get();
    }

    /** Waits a little, the node's lock on its room let go, for a sandbox to fall idle; refuses the load once {@code giveUp} has passed. */
    private void awaitRoom(long giveUp, Duration patience) {
        long left = giveUp - System.nanoTime();
        if (left <= 0) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "this node runs " + config.maxSandboxes()
                    + " app sandboxes, its limit, and all of them stayed busy for " + patience.toMillis() + " ms; retry later");
        }
        try {
            room.wait(Math.max(1, Math.min(ROOM_POLL.toMillis(), TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while waiting for room for the app");
        }
    }

    /** Stops every app's sandboxes; the node is going away. */
    public void close() {
        runtimes.values().forEach(AppRuntime::close);
        finishing.forEach(AppRuntime::close);
    }

    private void reapIdle() {
        finishing.removeIf(runtime -> {
            if (runtime.inFlight() > 0) {
                return false;
            }
            runtime.remove();
            return true;
        });
        long now = System.nanoTime();
        runtimes.values().stream().filter(r -> !keptWarm(r.app())).forEach(r -> r.reapIfIdle(now));
    }

    /** Whether the app is an autoscaled replica placed here, loaded for as long as it is placed. */
    private boolean keptWarm(DeployedApp app) {
        return warmReplicas && app.manifest().scaling().isPresent();
    }
}
