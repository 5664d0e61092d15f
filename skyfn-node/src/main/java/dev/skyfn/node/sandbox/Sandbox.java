package dev.skyfn.node.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.LogLine;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.ProtocolException;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's handle on one sandbox process: its socket, its calls in flight, the apps it hosts
 * (one, or several of one tenant, each in a slot of its own) and where it is in its life. Calls
 * are matched to answers by id; when the process dies, every call still in flight gets a precise
 * failure at once: {@link ErrorCode#SANDBOX_OUT_OF_MEMORY} when the OS killed it for outgrowing
 * its memory limit, else {@link ErrorCode#SANDBOX_CRASHED}.
 */
public final class Sandbox {

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

    /** The status of a process ended by SIGKILL: by the node, or by the kernel (its OOM killer among others). */
    private static final int KILLED = 137;

    /** A sandbox an app is loaded into, and the app's slot there (which its messages name). */
    public record Seat(Sandbox sandbox, int slot) {
    }

    /** Where a sandbox is in its life; {@link #TRANSITIONS} says where it may go next. */
    public enum State { IDLE, LOADING, ACTIVE, RETIRING, DEAD }

    static final Map<State, Set<State>> TRANSITIONS = new EnumMap<>(Map.of(
            State.IDLE, EnumSet.of(State.LOADING, State.DEAD),
            State.LOADING, EnumSet.of(State.ACTIVE, State.DEAD),
            State.ACTIVE, EnumSet.of(State.RETIRING, State.DEAD),
            State.RETIRING, EnumSet.of(State.DEAD),
            State.DEAD, EnumSet.noneOf(State.class)));

    /**
     * What a sandbox tells whoever owns it: the pool while idle, then the runtime of each app it
     * hosts — what concerns one app (its logs, calls, data, steps) to that app's, what concerns the
     * whole sandbox (its death, a request to be replaced, a hung call) to all of them.
     */
    public interface Owner {
        void logs(Sandbox sandbox, List<LogLine> lines);

        void retireRequested(Sandbox sandbox, ErrorCode code, String reason);

        void died(Sandbox sandbox);

        /** A call finished; a retiring sandbox may now be done. */
        default void callEnded(Sandbox sandbox) {
        }

        /** A call went on running after it was cancelled; the sandbox cannot be trusted to finish it. */
        default void hung(Sandbox sandbox, String label) {
        }

        /** A function in the sandbox calls a function of another app; answer with {@link Sandbox#answer}. */
        default void call(Sandbox sandbox, Message.Call call) {
            sandbox.answer(new Message.Failure(call.id(), ErrorCode.UNAVAILABLE.name(), "this sandbox serves no app", ""));
        }

        /** A function in the sandbox operates on its app's state; answer with {@link Sandbox#answer}. */
        default void data(Sandbox sandbox, Message.Data op) {
            sandbox.answer(new Message.Failure(op.id(), ErrorCode.UNAVAILABLE.name(), "this sandbox serves no app", ""));
        }

        /** A workflow execution running in the sandbox reports a step. */
        default void progress(Sandbox sandbox, Message.Progress progress) {
        }

        /** A function ran in the sandbox without the node: called by another of its app's functions, or as a workflow's Task. */
        default void usage(Sandbox sandbox, Message.Usage usage) {
        }

        /** For sandboxes nobody listens to (the AOT training run). */
        Owner NONE = new Owner() {
            @Override
            public void logs(Sandbox sandbox, List<LogLine> lines) {
            }

            @Override
            public void retireRequested(Sandbox sandbox, ErrorCode code, String reason) {
            }

            @Override
            public void died(Sandbox sandbox) {
            }
        };
    }

    private final long id;
    private final DirectCallLoad directLoad = new DirectCallLoad();
    /** The heap its JVM was started with, MiB. */
    private final int maxHeapMb;
    /** The heap its apps may hold, MiB: its JVM's, or less once {@link #fit}ted to an app. */
    private volatile int heapMb;
    private final Process process;
    private final FrameChannel channel;
    private final ProcessOutput output;
    private final AtomicReference<State> state = new AtomicReference<>(State.IDLE);
    private final Calls calls = new Calls();
    private final CompletableFuture<Message.Hello> hello = new CompletableFuture<>();
    private final CompletableFuture<Void> dead = new CompletableFuture<>();
    /** The pool's, until an app's runtime adopts the sandbox. */
    private final Owner idleOwner;
    /** The runtime of every app ever loaded here, by slot: calls of an app that left still finish. */
    private final Map<Integer, Owner> owners = new ConcurrentHashMap<>();
    /** The apps hosted now, by slot; guarded by this. */
    private final Map<Integer, DeployedApp> hosted = new LinkedHashMap<>();
    /** Slots given out and not left: apps hosted and apps loading; guarded by this. */
    private final Set<Integer> open = new HashSet<>();
    private int nextSlot; // guarded by this
    private volatile String endReason;
    /** The code calls in flight fail with once it is dead. */
    private volatile ErrorCode endCode = ErrorCode.SANDBOX_CRASHED;
    /** The cgroup limiting it; removed once it is dead. */
    private final Cgroup cgroup;
    /** Whether the app loading into it is batch work. */
    private volatile boolean batch;
    /** Its way out to the network, if it has one. */
    private volatile Outbound outbound;
    /** Where the bytes it sends out are told. */
    private volatile EgressSink egress = EgressSink.NONE;
    /** Bytes sent out that were told, and the apps they were told of; guarded by this. */
    private long egressCounted;
    private List<DeployedApp> egressApps = List.of();
    /** Its own socket for direct calls from other sandboxes, on the host, and where the node links those it may call; null without. */
    private volatile java.nio.file.Path door;
    private volatile java.nio.file.Path peersDir;
    /** The token each caller admitted here presents, by the caller's id. */
    private final Map<Long, CompletableFuture<String>> admitted = new ConcurrentHashMap<>();
    private static final java.security.SecureRandom TOKENS = new java.security.SecureRandom();
    /** How long the sandbox has to answer an Admit. */
    private static final Duration ADMIT_TIMEOUT = Duration.ofSeconds(5);
    /** Where this sandbox reads an app's jar: the node puts it where a confined sandbox can see it. */
    private final Function<DeployedApp, String> jarPath;

    Sandbox(long id, int heapMb, Process process, FrameChannel channel, ProcessOutput output, Owner owner,
            Function<DeployedApp, String> jarPath, Cgroup cgroup) {
        this.id = id;
        this.cgroup = cgroup;
        this.jarPath = jarPath;
        this.maxHeapMb = heapMb;
        this.heapMb = heapMb;
        this.process = process;
        this.channel = channel;
        this.output = output;
        this.idleOwner = owner;
        Thread.ofPlatform().daemon().name("sandbox-" + id + "-reader").start(this::read);
    }

    public long id() {
        return id;
    }

    /** What a sandbox whose heap is {@code heapMb} MiB may hold in memory in all, MiB: its heap and max(128 MiB, heap / 2) beside. */
    public static int memoryLimitMb(int heapMb) {
        return Limits.memoryMb(heapMb);
    }

    /** The heap its apps may hold, MiB (the {@code memory} of the apps it hosts). */
    public int heapMb() {
        return heapMb;
    }

    /** The heap its JVM was started with, MiB: {@link #heapMb} or more. */
    int maxHeapMb() {
        return maxHeapMb;
    }

    /**
     * Makes this spare, booted with a heap of {@link #maxHeapMb}, the sandbox of an app whose heap
     * is {@code heapMb} MiB, before the app loads: its cgroup's memory limit drops to that heap's
     * ({@link Limits#memoryMb}), and the {@code LOAD} tells the sandbox to hold the app to that
     * heap (docs/sandbox-protocol.md). Only where the cgroup limits memory, so that the kernel
     * bounds what the JVM holds between two collections. False if the limit could not be lowered.
     */
    boolean fit(int heapMb) {
        if (heapMb > maxHeapMb || !cgroup.limitsMemory() || !cgroup.limitMemory((long) Limits.memoryMb(heapMb) << 20)) {
            return false;
        }
        this.heapMb = heapMb;
        return true;
    }

    public long pid() {
        return process.pid();
    }

    public State state() {
        return state.get();
    }

    /**
     * Says the sandbox bound {@code door}, its own socket for direct calls from other sandboxes of
     * its tenant, and finds the sockets it may call in {@code peersDir} (both paths on the host).
     */
    void takesDirectCalls(java.nio.file.Path door, java.nio.file.Path peersDir) {
        this.door = door;
        this.peersDir = peersDir;
    }

    /** Whether other sandboxes may be given direct calls to it now, and it may make them. */
    public boolean direct() {
        return door != null && state.get() == State.ACTIVE;
    }

    /**
     * Admits {@code caller} to call the apps here directly (docs/sandbox-protocol.md, "Direct
     * calls"): the token it is to present, once this sandbox has it. Once per caller.
     */
    public CompletableFuture<String> admit(Sandbox caller) {
        CompletableFuture<String> held = admitted.get(caller.id);
        if (held != null) {
            return held;
        }
        var mine = new CompletableFuture<String>();
        held = admitted.putIfAbsent(caller.id, mine);
        if (held != null) {
            return held;
        }
        // put before the state is read: a retire that found no caller admitted has moved the state first
        if (state.get() != State.ACTIVE) {
            admitted.remove(caller.id, mine);
            mine.completeExceptionally(new IllegalStateException("sandbox " + id + " is " + state.get()));
            return mine;
        }
        var self = new java.lang.ref.WeakReference<>(this);
        caller.whenDead().thenRun(() -> {
            Sandbox callee = self.get();
            if (callee != null) {
                callee.admitted.remove(caller.id);
            }
        });
        byte[] secret = new byte[32];
        TOKENS.nextBytes(secret);
        String token = java.util.HexFormat.of().formatHex(secret);
        call(id -> new Message.Admit(id, token), System.nanoTime() + ADMIT_TIMEOUT.toNanos(), "admit").answer().thenAccept(answer -> {
            if (answer instanceof Message.Result) {
                mine.complete(token);
            } else {
                admitted.remove(caller.id, mine);
                mine.completeExceptionally(new IllegalStateException("sandbox " + id + " did not admit a caller: " + answer));
            }
        });
        return mine;
    }

    /**
     * Gives this sandbox a route to {@code app}, in {@code slot} of {@code callee}, which admitted it
     * with {@code token}: the callee's socket is linked into this sandbox's view (the only thing the
     * two share), and at most {@code maxInFlight} calls go that way at once. A route to this very
     * sandbox (another of its apps) links nothing: its calls stay in here.
     */
    public void route(String app, Sandbox callee, int slot, String token, int maxInFlight) throws IOException {
        if (callee == this) {
            channel.send(new Message.Route(app, "", "", slot, maxInFlight)); // another app in this sandbox: nothing to link
        } else {
            String link = "sb-" + callee.id + ".sock";
            java.nio.file.Path at = peersDir.resolve(link);
            if (!java.nio.file.Files.exists(at, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                java.nio.file.Files.createLink(at, callee.door);
            }
            channel.send(new Message.Route(app, link, token, slot, maxInFlight));
        }
        callee.allowDirectCalls(this, slot, maxInFlight);
    }

    /** {@code caller} was given a route to {@code slot} here for {@code maxInFlight} calls at once, for as long as it lives. */
    private void allowDirectCalls(Sandbox caller, int slot, int maxInFlight) {
        if (directLoad.allow(slot, caller.id, maxInFlight)) {
            var self = new java.lang.ref.WeakReference<>(this);
            caller.whenDead().thenRun(() -> {
                Sandbox callee = self.get();
                if (callee != null) {
                    callee.directLoad.forget(caller.id);
                }
            });
        }
    }

    /**
     * Whether sandboxes were routed here to call its apps directly, and live: calls the node does
     * not see may be running here ({@link #inFlight()} does not count them).
     */
    public boolean takesDirectCallers() {
        return !admitted.isEmpty();
    }

    /**
     * The direct calls the app in {@code slot} is running, as this sandbox last said (within 50 ms),
     * at most what the routes given to it allow: not in {@link #inFlight()}.
     */
    public int directInFlight(int slot) {
        return directLoad.inFlight(slot);
    }

    /** Calls in flight that have not been given up on. */
    public int inFlight() {
        return calls.live();
    }

    CompletableFuture<Message.Hello> hello() {
        return hello;
    }

    public CompletableFuture<Void> whenDead() {
        return dead;
    }

    /**
     * Gives this sandbox a way out to the network, for as long as it lives or until
     * {@link #cutOutbound()}; the bytes it sends out are told to {@code sink}.
     */
    void connect(Outbound link, EgressSink sink) {
        egress = sink;
        outbound = link;
        dead.thenRun(this::cutOutbound);
        countEgress(); // where its first app's bytes start: read now, off the path of that app's cold start
    }

    /** Takes its outbound network away (an app with {@code network: none}): only its own loopback is left. */
    public void cutOutbound() {
        countEgress();
        Outbound link = outbound;
        outbound = null;
        if (link != null) {
            link.close();
        }
    }

    /** Where the bytes a sandbox sends out of its node are told, with the apps it hosts. */
    @FunctionalInterface
    public interface EgressSink {
        EgressSink NONE = (sandbox, apps, bytes) -> {
        };

        /** {@code bytes} sent out since the last count, by the sandbox {@code sandbox} hosting {@code apps} (one or more, of one tenant). */
        void sent(long sandbox, List<DeployedApp> apps, long bytes);
    }

    /**
     * Tells its sink of the bytes it sent out of its node since the last count, with the apps it
     * hosts now (those it hosted last, once they have left); bytes sent before its first app came
     * are nobody's. Bytes sent after the last count of a sandbox that died by itself are not
     * counted: its namespace went with it.
     */
    public void countEgress() {
        Outbound link = outbound;
        long sent = link == null ? -1 : link.sentBytes();
        List<DeployedApp> apps;
        long bytes;
        synchronized (this) {
            if (!hosted.isEmpty()) {
                egressApps = List.copyOf(hosted.values());
            }
            if (egressApps.isEmpty()) {
                egressCounted = Math.max(egressCounted, sent); // before any app: the sandbox's own start, nobody's call
                return;
            }
            if (sent <= egressCounted) {
                return;
            }
            bytes = sent - egressCounted;
            egressCounted = sent;
            apps = egressApps;
        }
        egress.sent(id, apps, bytes);
    }

    /** Whether it can reach the network outside its node. */
    public boolean hasOutbound() {
        return outbound != null;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Gives the sandbox to an app's runtime; the slot its app is to be loaded into. */
    public synchronized int adopt(Owner next) {
        int slot = nextSlot++;
        owners.put(slot, next);
        open.add(slot);
        return slot;
    }

    /**
     * Another app's runtime takes a slot in this serving sandbox, if it serves an app now and has
     * fewer than {@code maxApps} (loading ones included); the slot, or -1.
     */
    public synchronized int takeIn(Owner guest, int maxApps) {
        if (state.get() != State.ACTIVE || hosted.isEmpty() || open.size() >= maxApps) {
            return -1;
        }
        return adopt(guest);
    }

    /**
     * The app in {@code slot} leaves: nothing new reaches it, its calls in flight finish, and the
     * sandbox drops it. True when no app is left in it (the caller then retires the sandbox).
     */
    public synchronized boolean leave(int slot) {
        boolean was = open.remove(slot);
        hosted.remove(slot);
        if (was && !open.isEmpty() && state.get() != State.DEAD) {
            channel.send(new Message.Unload(slot));
        }
        return open.isEmpty();
    }

    /** Apps it hosts or is loading now. */
    public synchronized int appCount() {
        return open.size();
    }

    /**
     * Says the app about to load into it is batch work ({@link dev.skyfn.core.manifest.Manifest#batch}):
     * from {@link State#LOADING} on it runs at the batch CPU weight, not the online one.
     */
    public void forBatch() {
        batch = true;
    }

    /** Moves to {@code next} if the lifecycle allows it from where the sandbox is now. */
    public boolean moveTo(State next) {
        while (true) {
            State now = state.get();
            if (!TRANSITIONS.get(now).contains(next)) {
                return false;
            }
            if (state.compareAndSet(now, next)) {
                if (next == State.RETIRING && !admitted.isEmpty()) {
                    // answered once its direct calls have ended: until then it is not drained
                    call(Message.Revoke::new, System.nanoTime() + Duration.ofDays(1).toNanos(), "revoke");
                }
                if (next == State.LOADING) {
                    // a spare until now: an app loads into it, and it serves
                    if (batch) {
                        cgroup.asBatch();
                    } else {
                        cgroup.asServing();
                    }
                }
                return true;
            }
        }
    }

    /**
     * A request sent and its answer to come: the sandbox's Result or Failure, or a failure coded
     * {@link #TIMED_OUT} once {@code deadlineNanos} passes.
     *
     * @param label       what the call is for, in messages: an invocation id, or "load"
     * @param traceparent the W3C {@code traceparent} the request carried, or empty
     */
    public record Call(long id, CompletableFuture<Message> answer, long deadlineNanos, String label, String traceparent) {
    }

    /**
     * {@code traceparent}, as this sandbox sent it in a frame, when it is one the node gave it for
     * a call still running here; empty otherwise ({@link Calls#gave}).
     */
    public String vouched(String traceparent) {
        return calls.gave(traceparent) ? traceparent : "";
    }

    /** The code of the failure a call's answer completes with when its deadline passes first. */
    public static final String TIMED_OUT = Calls.TIMED_OUT;

    /**
     * Loads {@code app} into {@code slot} of this sandbox (see {@link #adopt}, {@link #takeIn}), as
     * it runs on {@code cloud}: that cloud's region and its environment there.
     */
    public Call load(int slot, DeployedApp app, Cloud cloud, int maxResultBytes, long deadlineNanos) {
        boolean hostedBefore;
        synchronized (this) {
            hostedBefore = !egressApps.isEmpty();
        }
        if (hostedBefore) {
            countEgress(); // what was sent before this app came is not its; before the first, nothing was sent since it connected
        }
        synchronized (this) {
            hosted.put(slot, app);
            egressApps = List.copyOf(hosted.values());
        }
        Manifest m = app.manifest();
        List<Message.HandlerRef> handlers = m.functions().values().stream()
                .map(f -> new Message.HandlerRef(f.name(), f.handler(), f.timeout().toMillis(), f.memoryMb(), m.environment(f, cloud))).toList();
        List<Message.WorkflowRef> workflows = app.manifest().workflows().values().stream()
                .map(w -> new Message.WorkflowRef(w.name(), w.json())).toList();
        String jar = jarPath.apply(app);
        return call(id -> new Message.Load(id, slot, app.name(), app.version(), jar, maxResultBytes, handlers, workflows,
                        cloud.region(), m.environment(cloud), m.metering() == dev.skyfn.core.manifest.MeteringLevel.USEFUL_WORK, heapMb),
                deadlineNanos, "load");
    }

    /**
     * Sends the request {@code build} makes with a fresh id, written by the calling thread when
     * the channel is idle (queued for its writer when not: {@link FrameChannel#sendNow}). Wait on
     * its answer without a timeout: the deadline completes it (see {@link Calls}).
     */
    public Call call(LongFunction<Message> build, long deadlineNanos, String label) {
        return calls.open(build, deadlineNanos, label, m -> state.get() != State.DEAD && channel.sendNow(m), this::crashed);
    }

    /**
     * Sends many invocations of {@code function} of the app in {@code slot} in one INVOKE_EACH
     * frame, each a call of its own (answered, timed out and cancelled alone) labelled by its
     * invocation id; {@code items} give each one's invocation id and payload.
     */
    public List<Call> callEach(int slot, String function, long timeoutMillis, List<Message.Item> items, long deadlineNanos) {
        List<String> labels = items.stream().map(Message.Item::invocationId).toList();
        return calls.openEach(labels, ids -> {
            List<Message.Item> numbered = new java.util.ArrayList<>(items.size());
            for (int i = 0; i < ids.length; i++) {
                Message.Item item = items.get(i);
                numbered.add(new Message.Item(ids[i], item.invocationId(), item.payload(), item.traceparent()));
            }
            return new Message.InvokeEach(slot, function, timeoutMillis, numbered);
        }, deadlineNanos, m -> state.get() != State.DEAD && channel.sendNow(m), this::crashed);
    }

    /** Times out this sandbox's calls past their deadline; see {@link Calls#expire}. */
    void expire(long nowNanos, long graceNanos) {
        calls.expire(nowNanos, graceNanos, id -> channel.send(new Message.Cancel(id)), call -> everyone().forEach(o -> o.hung(this, call.label())));
    }

    /**
     * Gives up on a call before its deadline: it is answered with {@code answer} now, and the
     * sandbox told to stop it; a sandbox still running it a grace later is replaced, as for a call
     * past its deadline ({@link Owner#hung}).
     */
    public void cancel(Call call, Message.Failure answer) {
        if (calls.giveUp(call.id(), answer, System.nanoTime())) {
            channel.send(new Message.Cancel(call.id()));
            callEnded();
        }
    }

    /** Answers a call the sandbox made (see {@link Owner#call}). */
    public void answer(Message answer) {
        channel.sendNow(answer);
    }

    /** Ends the process now; calls in flight fail with {@code reason}. */
    public void kill(String reason) {
        countEgress();
        endReason = reason;
        process.destroyForcibly();
        channel.close();
    }

    /** Asks the process to exit; used once nothing is in flight. */
    public void stop() {
        stop(Duration.ofSeconds(2));
    }

    /** Closes the socket, which the sandbox takes as its cue to exit, and ends it if it has not after {@code grace}. */
    public void stop(Duration grace) {
        countEgress();
        endReason = "was stopped";
        channel.close();
        process.onExit().orTimeout(grace.toMillis(), TimeUnit.MILLISECONDS).exceptionally(e -> {
            process.destroyForcibly();
            return null;
        });
    }

    public CompletableFuture<Process> exited() {
        return process.onExit();
    }

    private void read() {
        try {
            channel.readLoop(this::dispatch);
        } catch (ProtocolException e) {
            LOG.error("sandbox {} broke the protocol, killing it: {}", id, e.getMessage());
            endReason = "the sandbox broke the protocol";
            process.destroyForcibly();
        } catch (IOException e) {
            // the socket closed: the process is gone or going
        } finally {
            ended();
        }
    }

    private void dispatch(Message m) {
        switch (m) {
            case Message.Hello h -> hello.complete(h);
            case Message.Result r -> complete(r.id(), r);
            case Message.Failure f -> complete(f.id(), f);
            case Message.Logs l -> ownerOf(l.slot()).logs(this, l.lines());
            case Message.Retire r -> everyone().forEach(o -> o.retireRequested(this, ErrorCode.parse(r.code()), r.reason()));
            case Message.Call c -> ownerOf(c.slot()).call(this, c);
            case Message.Data d -> ownerOf(d.slot()).data(this, d);
            case Message.Progress p -> ownerOf(p.slot()).progress(this, p);
            case Message.Usage u -> ownerOf(u.slot()).usage(this, u);
            case Message.Concurrency c -> directLoad.reported(c, owners::containsKey);
            default -> throw new ProtocolException("a sandbox does not send " + m.getClass().getSimpleName());
        }
    }

    private void complete(long callId, Message answer) {
        if (calls.answer(callId, answer)) {
            callEnded();
        }
    }

    /** Told to every runtime that ever had an app here: the one retiring it may be waiting for its calls to end. */
    private void callEnded() {
        if (owners.isEmpty()) {
            idleOwner.callEnded(this);
        } else {
            owners.values().forEach(o -> o.callEnded(this));
        }
    }

    /** Who hears what concerns the whole sandbox: the runtimes of the apps in it now, else every one it had, else the pool. */
    private List<Owner> everyone() {
        synchronized (this) {
            if (!open.isEmpty()) {
                return open.stream().map(owners::get).toList();
            }
        }
        return owners.isEmpty() ? List.of(idleOwner) : List.copyOf(owners.values());
    }

    /** The runtime of the app in {@code slot}; for a slot never given out, one that refuses (the sandbox broke the protocol). */
    private Owner ownerOf(int slot) {
        Owner o = owners.get(slot);
        return o != null ? o : Owner.NONE;
    }

    /** The slot {@code owner}'s app holds here now, or -1. */
    public synchronized int slotOf(Owner owner) {
        return open.stream().filter(slot -> owners.get(slot) == owner).findFirst().orElse(-1);
    }

    private void ended() {
        channel.close();
        state.set(State.DEAD);
        int status = exitStatus();
        if (endReason == null && status == KILLED && cgroup.outOfMemory()) {
            endCode = ErrorCode.SANDBOX_OUT_OF_MEMORY;
            endReason = "outgrew its memory limit of " + cgroup.memoryMb() + " MiB (its heap of " + heapMb + " MiB, and "
                    + (cgroup.memoryMb() - heapMb) + " MiB for the JVM itself, native memory and files in /tmp) and the OS killed it;"
                    + " raise 'memory' in skyfn.yaml or use less";
            LOG.warn("sandbox {} ({}) died: {}", id, describeApps(), endReason);
        } else if (endReason == null) {
            endReason = describe(status);
            String tail = output.tail();
            LOG.warn("sandbox {} ({}) died: {}{}", id, describeApps(), endReason,
                    tail.isEmpty() ? "" : "; its last output: " + tail);
        }
        hello.completeExceptionally(new IllegalStateException("sandbox " + id + " " + endReason));
        calls.answerAll(this::crashed);
        dead.complete(null);
        (owners.isEmpty() ? List.of(idleOwner) : List.copyOf(owners.values())).forEach(o -> o.died(this));
        cgroup.remove();
    }

    private Message.Failure crashed(long callId) {
        String why = endReason == null ? "is gone" : endReason;
        return new Message.Failure(callId, endCode.name(), "the app's sandbox " + why, "");
    }

    private int exitStatus() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String describe(int status) {
        return switch (status) {
            case -1 -> "stopped answering";
            case KILLED -> "was killed (signal 9: out of memory or by the operating system)";
            case 70 -> "failed (status 70)";
            case 71 -> "broke the protocol (status 71)";
            case 72 -> "ended as its apps outgrew their heap (status 72)";
            default -> "exited with status " + status;
        };
    }

    @Override
    public String toString() {
        String apps = describeApps();
        return "sandbox " + id + " (pid " + process.pid() + ", " + state.get() + (apps.equals("idle") ? "" : ", " + apps) + ")";
    }

    private synchronized String describeApps() {
        return hosted.isEmpty() ? "idle" : hosted.values().stream().map(a -> a.key() + " v" + a.version())
                .collect(java.util.stream.Collectors.joining(", "));
    }
}
