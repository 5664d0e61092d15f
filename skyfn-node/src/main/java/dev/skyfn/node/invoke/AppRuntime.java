package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.Network;
import dev.skyfn.core.wire.LogLine;
import dev.skyfn.core.wire.Message;
import dev.skyfn.node.sandbox.Sandbox;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app on this node: the version being served, the sandbox serving it (loaded on first use,
 * once however many calls arrive together), the sandboxes retiring after a redeployment or a
 * fault, and the concurrency gates of its functions.
 */
final class AppRuntime implements Sandbox.Owner {

    private static final Logger LOG = LoggerFactory.getLogger(AppRuntime.class);
    /** A load that failed is not retried for this long, so a broken app cannot burn a sandbox per call. */
    static final Duration LOAD_FAILURE_HOLD = Duration.ofSeconds(5);

    /** The sandbox a call uses, and whether the call had to wait for the app to load. */
    record Lease(Sandbox sandbox, boolean cold) {
    }

    private record LoadFailure(int version, SkyfnException error, long atNanos) {
    }

    private final AppKey key;
    private final AppRuntimes node;
    private final Set<Sandbox> retiring = ConcurrentHashMap.newKeySet();
    private volatile DeployedApp app;
    private volatile Map<String, FunctionGate> gates;
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile LoadFailure loadFailure;
    private CompletableFuture<Sandbox> active; // guarded by this

    AppRuntime(DeployedApp app, AppRuntimes node) {
        this.key = app.key();
        this.node = node;
        this.app = app;
        this.gates = gatesFor(app);
    }

    AppKey key() {
        return key;
    }

    DeployedApp app() {
        return app;
    }

    FunctionGate gate(String function) {
        return gates.get(function);
    }

    int waiting(String function) {
        FunctionGate gate = gates.get(function);
        return gate == null ? 0 : gate.waiting();
    }

    void touch() {
        lastUsedNanos = System.nanoTime();
    }

    /** The sandbox serving the current version, loading the app into a pre-booted one if there is none. */
    Lease acquire() {
        return acquire(System.nanoTime() + node.config().loadTimeout().toNanos() + 1_000_000_000L, false);
    }

    /**
     * {@link #acquire()} for a call that must have its sandbox by {@code deadlineNanos}: a cold
     * start waits for its turn to boot and for the load as long as the call's own timeout allows,
     * and no longer; the load goes on for the calls after it.
     *
     * @throws SkyfnException FUNCTION_TIMEOUT when the deadline passes first; the load's own failure otherwise
     */
    Lease acquire(long deadlineNanos) {
        return acquire(deadlineNanos, true);
    }

    private Lease acquire(long deadlineNanos, boolean callsDeadline) {
        CompletableFuture<Sandbox> serving;
        boolean mine = false;
        synchronized (this) {
            if (active == null || (active.isDone() && !usable(active))) {
                active = new CompletableFuture<>();
                mine = true;
            }
            serving = active;
        }
        boolean cold = mine || !serving.isDone();
        long waitFrom = System.nanoTime();
        if (mine) {
            // on a thread of its own: the calls waiting for it each give up at their own deadline, the load goes on
            DeployedApp version = app;
            Thread.ofVirtual().name("load-" + key).start(() -> load(serving, version));
        }
        try {
            return new Lease(serving.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS), cold);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SkyfnException s ? s
                    : new SkyfnException(ErrorCode.APP_LOAD_FAILED, "loading the app failed: " + e.getCause());
        } catch (TimeoutException e) {
            if (callsDeadline) {
                throw new SkyfnException(ErrorCode.FUNCTION_TIMEOUT, "the call's timeout passed after " + (System.nanoTime() - waitFrom) / 1_000_000
                        + " ms waiting for its app to be loaded into a sandbox (a cold start; " + node.pool().bootsWaiting()
                        + " sandbox boots waiting for their turn on this node); the load goes on, and a later call finds the app loaded");
            }
            throw new SkyfnException(ErrorCode.APP_LOAD_FAILED, "the app did not load within " + node.config().loadTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while the app loaded");
        }
    }

    private static boolean usable(CompletableFuture<Sandbox> f) {
        Sandbox s = loaded(f);
        return s != null && s.state() == Sandbox.State.ACTIVE;
    }

    /** The sandbox {@code f} holds once loaded, else null. */
    private static Sandbox loaded(CompletableFuture<Sandbox> f) {
        return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
    }

    private void load(CompletableFuture<Sandbox> into, DeployedApp version) {
        long start = System.nanoTime();
        try {
            LoadFailure failed = loadFailure;
            if (failed != null && failed.version() == version.version()
                    && System.nanoTime() - failed.atNanos() < LOAD_FAILURE_HOLD.toNanos()) {
                throw failed.error();
            }
            node.makeRoom(this);
            Sandbox sandbox = node.pool().take(version.manifest().memoryMb());
            sandbox.adopt(this);
            if (version.manifest().network() == Network.NONE) {
                sandbox.cutOutbound();
            }
            sandbox.moveTo(Sandbox.State.LOADING);
            Message answer = awaitLoad(sandbox, version);
            if (answer instanceof Message.Failure f) {
                sandbox.kill("failed to load the app");
                throw new SkyfnException(ErrorCode.parse(f.code()), f.message());
            }
            sandbox.moveTo(Sandbox.State.ACTIVE);
            node.metrics().coldStart(key, Duration.ofNanos(System.nanoTime() - start));
            LOG.info("{} v{} loaded into {} in {} ms", key, version.version(), sandbox, (System.nanoTime() - start) / 1_000_000);
            into.complete(sandbox);
            if (app.version() != version.version()) {
                retire(sandbox, "replaced by version " + app.version() + " while loading");
            }
        } catch (SkyfnException e) {
            if (e.code() != ErrorCode.UNAVAILABLE) {
                // the app's own fault: trying again at once would fail the same way
                loadFailure = new LoadFailure(version.version(), e, System.nanoTime());
            }
            notLoaded(into, e);
        } catch (RuntimeException e) {
            LOG.error("{} v{}: loading broke", key, version.version(), e);
            notLoaded(into, new SkyfnException(ErrorCode.APP_LOAD_FAILED, "loading the app failed: " + e));
        } finally {
            node.pool().refill();
        }
    }

    /** Fails a load: its waiting calls hear why, and the next call starts another. */
    private void notLoaded(CompletableFuture<Sandbox> into, SkyfnException why) {
        synchronized (this) {
            if (active == into) {
                active = null;
            }
        }
        into.completeExceptionally(why);
    }

    private Message awaitLoad(Sandbox sandbox, DeployedApp version) {
        Sandbox.Call call = sandbox.load(version, node.config().maxResultBytes(),
                System.nanoTime() + node.config().loadTimeout().toNanos());
        try {
            Message answer = call.answer().get();
            if (answer instanceof Message.Failure f && f.code().equals(Sandbox.TIMED_OUT)) {
                sandbox.kill("did not load the app in time");
                throw new SkyfnException(ErrorCode.APP_LOAD_FAILED, "the app did not load within "
                        + node.config().loadTimeout().toSeconds() + " s (a constructor or static initialiser that never returns?)");
            }
            return answer;
        } catch (ExecutionException e) {
            throw new SkyfnException(ErrorCode.APP_LOAD_FAILED, "loading the app failed: " + e.getCause());
        } catch (InterruptedException e) {
            sandbox.kill("interrupted while loading");
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while the app loaded");
        }
    }

    /** Serves {@code next} from now on; calls in flight finish on the old version's sandbox. */
    void redeploy(DeployedApp next) {
        CompletableFuture<Sandbox> old;
        synchronized (this) {
            app = next;
            gates = gatesFor(next);
            loadFailure = null;
            old = active;
            active = null;
        }
        if (usable(old)) {
            retire(loaded(old), "replaced by version " + next.version());
            // it was warm: keep it warm, so the first call to the new version does not wait for a load
            Thread.ofVirtual().start(this::prewarm);
        } else if (old != null) {
            old.thenAccept(s -> retire(s, "replaced by version " + next.version()));
        }
    }

    private void prewarm() {
        try {
            acquire();
        } catch (SkyfnException e) {
            LOG.info("{} v{} failed to load: {}", key, app.version(), e.getMessage());
        }
    }

    /** The app is gone: nothing new starts, calls in flight finish. */
    void remove() {
        CompletableFuture<Sandbox> old;
        synchronized (this) {
            old = active;
            active = null;
        }
        if (old != null) {
            old.thenAccept(s -> retire(s, "its app was removed"));
        }
    }

    /** The node is stopping: every sandbox of the app stops now. */
    void close() {
        CompletableFuture<Sandbox> old;
        synchronized (this) {
            old = active;
            active = null;
        }
        Sandbox serving = loaded(old);
        if (serving != null) {
            serving.stop();
        }
        retiring.forEach(Sandbox::stop);
        retiring.clear();
    }

    /** Retires the serving sandbox if it has been idle longer than the app's keep-warm time. */
    void reapIfIdle(long nowNanos) {
        Sandbox idle = idleSandbox();
        if (idle != null && nowNanos - lastUsedNanos > app.manifest().keepWarm().toNanos()) {
            retire(idle, "idle for longer than its keep-warm time");
        }
    }

    /** Takes a sandbox out of service: no new calls; it stops once its calls in flight end, or is killed when they are overdue. */
    void retire(Sandbox sandbox, String reason) {
        synchronized (this) {
            if (loaded(active) == sandbox) {
                active = null;
            }
        }
        if (!sandbox.moveTo(Sandbox.State.RETIRING)) {
            return;
        }
        LOG.info("{}: retiring {}: {}", key, sandbox, reason);
        retiring.add(sandbox);
        stopIfDrained(sandbox);
        Duration overdue = maxTimeout().plus(node.config().cancelGrace());
        node.scheduler().after(overdue, "ending an overdue retired sandbox", () -> {
            if (sandbox.state() != Sandbox.State.DEAD) {
                sandbox.kill("was retired (" + reason + ") and its calls did not end in time");
            }
        });
    }

    private Duration maxTimeout() {
        return app.manifest().functions().values().stream().map(FunctionSpec::timeout)
                .max(Duration::compareTo).orElse(Duration.ZERO);
    }

    private void stopIfDrained(Sandbox sandbox) {
        if (sandbox.state() == Sandbox.State.RETIRING && sandbox.inFlight() == 0 && retiring.remove(sandbox)) {
            sandbox.stop();
        }
    }

    @Override
    public void callEnded(Sandbox sandbox) {
        stopIfDrained(sandbox);
    }

    @Override
    public void hung(Sandbox sandbox, String invocationId) {
        LOG.warn("{}: invocation {} ignored its cancellation; replacing {}", key, invocationId, sandbox);
        retire(sandbox, "invocation " + invocationId + " did not stop after its timeout");
    }

    @Override
    public void call(Sandbox sandbox, Message.Call call) {
        node.invoker().callFromSandbox(key.tenant(), sandbox, call);
    }

    @Override
    public void data(Sandbox sandbox, Message.Data op) {
        if (op.op().blob()) {
            node.executions().blob(key, sandbox, op);
        } else {
            node.data().handle(key, sandbox, op);
        }
    }

    @Override
    public void progress(Sandbox sandbox, Message.Progress progress) {
        node.executions().progress(key, sandbox, progress);
    }

    @Override
    public void logs(Sandbox sandbox, List<LogLine> lines) {
        node.logs().append(key, lines);
    }

    @Override
    public void retireRequested(Sandbox sandbox, ErrorCode code, String reason) {
        retire(sandbox, code.name() + ": " + reason);
    }

    @Override
    public void died(Sandbox sandbox) {
        retiring.remove(sandbox);
        synchronized (this) {
            if (loaded(active) == sandbox) {
                active = null;
            }
        }
    }

    /** Sandboxes this app holds: the serving one (or the one loading) and those retiring. */
    synchronized int sandboxCount() {
        return (active == null ? 0 : 1) + retiring.size();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** The serving sandbox if it is loaded and serving, else null: a call can go to it at once. */
    synchronized Sandbox warmSandbox() {
        return usable(active) ? loaded(active) : null;
    }

    /** The serving sandbox if it is loaded and has nothing in flight, else null. */
    synchronized Sandbox idleSandbox() {
        return usable(active) && loaded(active).inFlight() == 0 ? loaded(active) : null;
    }

    /** Calls in flight in this app's sandboxes, the serving one and those retiring. */
    int inFlight() {
        Sandbox serving = serving();
        return retiring.stream().mapToInt(Sandbox::inFlight).sum() + (serving == null ? 0 : serving.inFlight());
    }

    private synchronized Sandbox serving() {
        return loaded(active);
    }

    /** Sandboxes of this app by state, for the node's view. */
    Map<Sandbox.State, Integer> sandboxes() {
        Map<Sandbox.State, Integer> counts = new HashMap<>();
        Sandbox serving = serving();
        if (serving != null) {
            counts.merge(serving.state(), 1, Integer::sum);
        }
        retiring.forEach(s -> counts.merge(s.state(), 1, Integer::sum));
        return counts;
    }

    private static Map<String, FunctionGate> gatesFor(DeployedApp app) {
        Map<String, FunctionGate> gates = new HashMap<>();
        app.manifest().functions().values().forEach(f -> gates.put(f.name(), new FunctionGate(f.concurrency(), f.queue())));
        return Map.copyOf(gates);
    }
}
