package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.Network;
import dev.skyfn.core.wire.LogLine;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.sandbox.Sandbox;
import dev.skyfn.node.sandbox.Sandbox.Seat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app on this node: the version being served, the sandbox serving it (loaded on first use,
 * once however many calls arrive together; its own, or a seat in a sandbox of another of the
 * tenant's apps, see {@link Sharing}), the sandboxes retiring after a redeployment or a fault,
 * and the concurrency gates of its functions.
 */
final class AppRuntime implements Sandbox.Owner {

    private static final Logger LOG = LoggerFactory.getLogger(AppRuntime.class);
    /** A load that failed is not retried for this long, so a broken app cannot burn a sandbox per call. */
    static final Duration LOAD_FAILURE_HOLD = Duration.ofSeconds(5);
    /** How often a load waiting for its turn to boot looks again for a spare or a seat to share. */
    private static final Duration SHARE_POLL = Duration.ofMillis(20);
    /** How long a retired sandbox stays up although drained: a call that took it just before it retired still reaches it. */
    private static final Duration LATE_CALLS = Duration.ofMillis(250);

    /** The seat a call uses (a sandbox and the app's slot there), and whether the call had to wait for the app to load. */
    record Lease(Seat seat, boolean cold) {
    }

    private record LoadFailure(int version, SkyfnException error, long atNanos) {
    }

    private final AppKey key;
    private final AppRuntimes node;
    /** Sandboxes this app retired, and when (System.nanoTime) each may stop once drained. */
    private final Map<Sandbox, Long> retiring = new ConcurrentHashMap<>();
    private volatile DeployedApp app;
    private volatile Map<String, FunctionGate> gates;
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile LoadFailure loadFailure;
    /** Loading into a sandbox of its own, not yet loaded: it counts toward the node's sandboxes already. */
    private volatile boolean loadingOwn;
    /** Whether it takes calls as a warm replica: loaded once ({@link #prewarm}), or at once where replicas are not warmed. */
    private volatile boolean ready;
    /** Removed from this node, its calls in flight finishing: they touch the app's state only while the fleet still has it. */
    private volatile boolean finishing;
    private CompletableFuture<Seat> active; // guarded by this

    /** The parts of the last load, for the spans of the calls that waited for it. */
    private volatile LoadParts lastLoad;

    /**
     * When a load's parts began and ended: a seat found ({@code shared}: in a sandbox serving other
     * apps already; else a spare taken or a sandbox booted), then the LOAD answered; within that,
     * as the sandbox measured them, opening the jar ({@code jarNanos}) and initialising the
     * handlers' classes ({@code initNanos}), -1 when it did not say.
     */
    record LoadParts(Instant begun, Instant seated, boolean shared, Instant answered, long jarNanos, long initNanos) {

        static LoadParts of(Instant begun, Instant seated, boolean shared, Instant answered, Message answer) {
            long jar = -1;
            long init = -1;
            if (answer instanceof Message.Result r && r.payload() instanceof Payload.Body b && b.bytes().length > 0) {
                try {
                    var json = dev.skyfn.core.Documents.JSON.readTree(b.bytes());
                    jar = json.path("jarNanos").asLong(-1);
                    init = json.path("initNanos").asLong(-1);
                } catch (java.io.IOException unreadable) {
                    // the parts are for spans only: a load without them still serves
                }
            }
            return new LoadParts(begun, seated, shared, answered, jar, init);
        }
    }

    /** The parts of the last load into a sandbox, or null before the first. */
    LoadParts lastLoad() {
        return lastLoad;
    }

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

    /**
     * Direct calls to the app's serving seat from other sandboxes, as its sandbox reports them: the
     * node's gates never see them, so {@link #inFlight()} does not count them.
     */
    int directInFlight() {
        Seat seat;
        synchronized (this) {
            seat = loaded(active);
        }
        return seat == null ? 0 : seat.sandbox().directInFlight(seat.slot());
    }

    /** Calls of the app on this node running or queued for a slot now. */
    int inFlight() {
        int n = 0;
        for (FunctionGate gate : gates.values()) {
            n += gate.running() + gate.waiting();
        }
        return n;
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
        CompletableFuture<Seat> serving;
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
                        + " sandbox boots waiting for their turn on this node" + roomWait() + "); the load goes on, and a later call finds the app loaded");
            }
            throw new SkyfnException(ErrorCode.APP_LOAD_FAILED, "the app did not load within " + node.config().loadTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while the app loaded");
        }
    }

    /** What a cold call's timeout says of loads waiting for room, if any are. */
    private String roomWait() {
        int waiting = node.waitingForRoom();
        return waiting == 0 ? "" : "; " + waiting + (waiting == 1 ? " load" : " loads") + " waiting for one of its "
                + node.config().maxSandboxes() + " app sandboxes, its limit, to fall idle";
    }

    private static boolean usable(CompletableFuture<Seat> f) {
        Seat s = loaded(f);
        return s != null && s.sandbox().state() == Sandbox.State.ACTIVE;
    }

    /** The seat {@code f} holds once loaded, else null. */
    private static Seat loaded(CompletableFuture<Seat> f) {
        return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
    }

    /** The sandbox {@code f} holds once loaded, else null. */
    private static Sandbox loadedSandbox(CompletableFuture<Seat> f) {
        Seat s = loaded(f);
        return s == null ? null : s.sandbox();
    }

    private void load(CompletableFuture<Seat> into, DeployedApp version) {
        long start = System.nanoTime();
        try {
            LoadFailure failed = loadFailure;
            if (failed != null && failed.version() == version.version()
                    && System.nanoTime() - failed.atNanos() < LOAD_FAILURE_HOLD.toNanos()) {
                throw failed.error();
            }
            Instant begun = Instant.now();
            Seat seat = seat(version);
            Instant seated = Instant.now();
            // a seat in a sandbox that serves other apps already, or a sandbox of its own to set up
            boolean guest = seat.sandbox().state() == Sandbox.State.ACTIVE;
            if (!guest) {
                if (version.manifest().network() == Network.NONE) {
                    seat.sandbox().cutOutbound();
                }
                if (version.manifest().batch()) {
                    seat.sandbox().forBatch();
                }
                seat.sandbox().moveTo(Sandbox.State.LOADING);
            }
            Message answer = awaitLoad(seat, version);
            if (answer instanceof Message.Failure f) {
                unseat(seat, "failed to load the app");
                throw new SkyfnException(ErrorCode.parse(f.code()), f.message());
            }
            seat.sandbox().moveTo(Sandbox.State.ACTIVE);
            long took = System.nanoTime() - start;
            lastLoad = LoadParts.of(begun, seated, guest, Instant.now(), answer);
            into.complete(seat); // the calls waiting for it go on first: what follows is bookkeeping
            node.metrics().coldStart(key, Duration.ofNanos(took));
            LOG.info("{} v{} loaded into {}{} in {} ms", key, version.version(), guest ? "a seat in " : "", seat.sandbox(),
                    took / 1_000_000);
            if (app.version() != version.version()) {
                retire(seat, "replaced by version " + app.version() + " while loading");
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
            loadingOwn = false;
            node.pool().refill();
        }
    }

    /**
     * Where the app is loaded: a spare if one is ready, else a sandbox booted for it — or, when
     * the app may share and a boot would have to wait its turn, whichever comes first of a boot's
     * turn and a seat in a warm sandbox of another of the tenant's apps ({@link Sharing}).
     */
    private Seat seat(DeployedApp version) {
        int heapMb = version.manifest().memoryMb();
        boolean batch = version.manifest().batch();
        if (!version.manifest().shareSandbox()) {
            return ownSeat(() -> node.pool().take(heapMb, batch), roomPatience());
        }
        long giveUp = System.nanoTime() + roomPatience().toNanos();
        while (true) {
            Seat own = null;
            try {
                if (node.pool().couldTakeNow(heapMb)) {
                    own = ownSeat(() -> node.pool().takeIfFree(heapMb, batch), Duration.ZERO);
                }
            } catch (SkyfnException full) {
                // no room for a sandbox of its own, or it did not boot: a seat in a shared one will do, or room later
                Seat shared = full.code() == ErrorCode.UNAVAILABLE ? node.shareFor(this, version) : null;
                if (shared != null) {
                    return shared;
                }
                if (full.code() != ErrorCode.UNAVAILABLE || System.nanoTime() - giveUp > 0) {
                    throw full;
                }
            }
            if (own != null) {
                return own;
            }
            Seat shared = node.shareFor(this, version);
            if (shared != null) {
                return shared;
            }
            awaitSeat(batch);
        }
    }

    /**
     * How long a load waits for a sandbox to fall idle while the node is at its limit: as long as
     * the app's longest call may wait, and at least the node's load timeout, so that calls that
     * arrive while it waits find it still going.
     */
    private Duration roomPatience() {
        Duration load = node.config().loadTimeout();
        return maxTimeout().compareTo(load) > 0 ? maxTimeout() : load;
    }

    /** A sandbox of the app's own, after making room for it on the node; null when {@code sandbox} gives none. */
    private Seat ownSeat(Supplier<Sandbox> sandbox, Duration patience) {
        Sandbox taken = null;
        try {
            node.makeRoom(this, patience);
            taken = sandbox.get();
            return taken == null ? null : new Seat(taken, taken.adopt(this));
        } finally {
            if (taken == null) {
                loadingOwn = false;
            }
        }
    }

    /** Waits a little for a boot's turn or a seat to share; spares do not boot meanwhile. */
    private void awaitSeat(boolean batch) {
        node.pool().loadWaiting(true, batch);
        try {
            Thread.sleep(SHARE_POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while the app waited for a sandbox");
        } finally {
            node.pool().loadWaiting(false, batch);
        }
    }

    /** A seat whose load failed: a sandbox of the app's own is ended, a seat in another's given up. */
    private void unseat(Seat seat, String reason) {
        if (seat.sandbox().leave(seat.slot())) {
            seat.sandbox().kill(reason);
        }
    }

    /** Fails a load: its waiting calls hear why, and the next call starts another. */
    private void notLoaded(CompletableFuture<Seat> into, SkyfnException why) {
        synchronized (this) {
            if (active == into) {
                active = null;
            }
        }
        into.completeExceptionally(why);
    }

    private Message awaitLoad(Seat seat, DeployedApp version) {
        Sandbox sandbox = seat.sandbox();
        Sandbox.Call call = sandbox.load(seat.slot(), version, node.config().cloud(), node.config().maxResultBytes(),
                System.nanoTime() + node.config().loadTimeout().toNanos());
        try {
            Message answer = call.answer().get();
            if (answer instanceof Message.Failure f && f.code().equals(Sandbox.TIMED_OUT)) {
                // a load that never returns holds a thread of the sandbox: whoever else is in it goes too
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
        CompletableFuture<Seat> old;
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

    /** Loads the app into a sandbox now, if it is not loaded, so that its next call finds it warm. */
    void prewarm() {
        try {
            acquire();
        } catch (SkyfnException e) {
            LOG.info("{} v{} failed to load: {}", key, app.version(), e.getMessage());
        } finally {
            ready();
        }
    }

    /** It takes calls now: its sandbox is warm, or a call will start one. */
    void ready() {
        if (!ready) {
            ready = true;
            node.servingChanged();
        }
    }

    boolean isReady() {
        return ready;
    }

    /** The app is gone: nothing new starts, calls in flight finish. */
    void remove() {
        CompletableFuture<Seat> old;
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
        CompletableFuture<Seat> old;
        synchronized (this) {
            old = active;
            active = null;
        }
        Sandbox serving = loadedSandbox(old);
        if (serving != null) {
            serving.stop();
        }
        retiring.keySet().forEach(Sandbox::stop);
        retiring.clear();
    }

    /** Retires the app's seat if it has been idle longer than the app's keep-warm time. */
    void reapIfIdle(long nowNanos) {
        Seat idle = idleSeat();
        if (idle != null && nowNanos - lastUsedNanos > app.manifest().keepWarm().toNanos()) {
            retire(idle, "idle for longer than its keep-warm time");
        }
    }

    /**
     * Takes the app's seat out of service: no new calls reach it there. A sandbox shared with
     * other apps goes on serving them; one left with no app stops once its calls in flight end,
     * or is killed when they are overdue.
     */
    void retire(Seat seat, String reason) {
        Sandbox sandbox = seat.sandbox();
        synchronized (this) {
            if (loaded(active) == seat) {
                active = null;
            }
        }
        if (!sandbox.leave(seat.slot())) {
            LOG.info("{}: leaving {}: {}", key, sandbox, reason);
            return;
        }
        if (!sandbox.moveTo(Sandbox.State.RETIRING)) {
            return;
        }
        LOG.info("{}: retiring {}: {}", key, sandbox, reason);
        // a call that took the sandbox just before it retired may not have reached it yet: it is not stopped under that call
        retiring.put(sandbox, System.nanoTime() + LATE_CALLS.toNanos());
        node.scheduler().after(LATE_CALLS, "stopping a drained retired sandbox", () -> stopIfDrained(sandbox));
        Duration overdue = maxTimeout().plus(node.config().cancelGrace());
        node.scheduler().after(overdue, "ending an overdue retired sandbox", () -> {
            if (sandbox.state() != Sandbox.State.DEAD) {
                sandbox.kill("was retired (" + reason + ") and its calls did not end in time");
            }
        });
    }

    /** What concerns the whole sandbox (a hung call, its own request to be replaced): the app leaves its seat there, if it has one. */
    private void retireFrom(Sandbox sandbox, String reason) {
        int slot = sandbox.slotOf(this);
        if (slot >= 0) {
            retire(new Seat(sandbox, slot), reason);
        }
    }

    private Duration maxTimeout() {
        return app.manifest().functions().values().stream().map(FunctionSpec::timeout)
                .max(Duration::compareTo).orElse(Duration.ZERO);
    }

    private void stopIfDrained(Sandbox sandbox) {
        Long notBefore = retiring.get(sandbox);
        if (notBefore != null && System.nanoTime() - notBefore >= 0 && sandbox.state() == Sandbox.State.RETIRING
                && sandbox.inFlight() == 0 && retiring.remove(sandbox) != null) {
            sandbox.stop();
        }
    }

    @Override
    public void callEnded(Sandbox sandbox) {
        stopIfDrained(sandbox);
    }

    @Override
    public void hung(Sandbox sandbox, String invocationId) {
        LOG.warn("{}: invocation {} in {} ignored its cancellation; replacing it", key, invocationId, sandbox);
        retireFrom(sandbox, "invocation " + invocationId + " did not stop once cancelled (at its timeout, or by its caller)");
    }

    @Override
    public void call(Sandbox sandbox, Message.Call call) {
        node.invoker().callFromSandbox(key.tenant(), sandbox, call);
    }

    /** Removed from this node; calls in flight finish. */
    void markFinishing() {
        finishing = true;
    }

    /**
     * Whether the app was removed from the fleet (or removed and created again) while its calls
     * still ran here: what they would write or log is no longer the app's.
     */
    private boolean orphaned() {
        return finishing && !node.stillIn(app);
    }

    @Override
    public void data(Sandbox sandbox, Message.Data op) {
        if (orphaned()) {
            sandbox.answer(new Message.Failure(op.id(), dev.skyfn.core.ErrorCode.APP_NOT_FOUND.name(),
                    "the app " + key.app() + " was removed while this call ran: its state is gone", ""));
            return;
        }
        if (op.op() == dev.skyfn.core.wire.DataOp.PUBLISH) {
            Thread.ofVirtual().start(() -> sandbox.answer(node.publisher().publish(key, op)));
        } else if (op.op().blob()) {
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
    public void usage(Sandbox sandbox, Message.Usage usage) {
        touch(); // a call straight from another sandbox reaches the node only as this: the app is in use
        // a function the app no longer has ran on an earlier version: its spec is gone, its call not metered
        app().function(usage.function()).ifPresent(spec -> node.invoker().ranInSandbox(key, spec, usage, sandbox));
    }

    @Override
    public void logs(Sandbox sandbox, List<LogLine> lines) {
        if (!orphaned()) {
            // a removed app's logs went with it; the lines of its last calls would land in those of an app created again
            node.logs().append(key, lines);
        }
    }

    @Override
    public void retireRequested(Sandbox sandbox, ErrorCode code, String reason) {
        retireFrom(sandbox, code.name() + ": " + reason);
    }

    @Override
    public void died(Sandbox sandbox) {
        retiring.remove(sandbox);
        synchronized (this) {
            if (loadedSandbox(active) == sandbox) {
                active = null;
            }
        }
    }

    /** Sandboxes this app is in: the serving one (or the one loading, once it has one) and those it retires. */
    synchronized List<Sandbox> sandboxList() {
        List<Sandbox> all = new ArrayList<>(retiring.keySet());
        Sandbox serving = loadedSandbox(active);
        if (serving != null) {
            all.add(serving);
        }
        return all;
    }

    boolean loadingOwn() {
        return loadingOwn;
    }

    void loadingOwn(boolean loading) {
        loadingOwn = loading;
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** The serving seat if it is loaded and serving, else null: a call can go to it at once. */
    synchronized Seat warmSeat() {
        return usable(active) ? loaded(active) : null;
    }

    /** The serving seat if it is loaded and has nothing in flight, direct calls from other sandboxes included, else null. */
    synchronized Seat idleSeat() {
        Seat seat = usable(active) ? loaded(active) : null;
        return seat != null && seat.sandbox().inFlight() == 0 && seat.sandbox().directInFlight(seat.slot()) == 0 ? seat : null;
    }

    private static Map<String, FunctionGate> gatesFor(DeployedApp app) {
        Map<String, FunctionGate> gates = new HashMap<>();
        app.manifest().functions().values().forEach(f -> gates.put(f.name(), new FunctionGate(f.concurrency(), f.queue())));
        return Map.copyOf(gates);
    }
}
