package dev.skyfn.node.workflow;

import dev.skyfn.control.Json;
import dev.skyfn.core.Durations;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.JsonErrors;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.WorkflowSpec;
import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.core.workflow.WorkflowError;
import dev.skyfn.node.NodeScheduler;
import dev.skyfn.node.invoke.ExecutionSink;
import dev.skyfn.node.invoke.Ids;
import dev.skyfn.node.invoke.Invoker;
import dev.skyfn.node.sandbox.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workflow executions of this node. An execution runs in its app's sandbox, which reports each
 * step; the steps are backed up in the execution log before they matter. When the sandbox dies the
 * execution resumes in a new one, and when the node restarts every execution it had running
 * resumes: settled steps are not run again, steps in flight are.
 */
public final class Executions implements ExecutionSink, AutoCloseable {

    private static final String TAKEN_FOR_DEAD = "was taken over by another node while this one was taken for dead; it stops here";

    private static final Logger LOG = LoggerFactory.getLogger(Executions.class);
    /** Runs of one execution at most: the first, then resumptions after its sandbox died. */
    static final int MAX_RUNS = 4;
    /** Step records of one execution at most, so that a loop without end cannot fill the node's memory. */
    static final int MAX_STEPS = 100_000;
    private static final Duration NO_TIMEOUT = Duration.ofDays(365);
    private static final long COMPACT_ABOVE_BYTES = 16L << 20;

    private final Invoker invoker;
    private final ExecutionSpans spans;
    private final BlobStore blobs;
    private final ExecutionLog log;
    private final ExecutionBackups backups;
    private final ExecutionOwners owners;
    private final Fence fence;
    private final Map<String, Execution> executions = new ConcurrentHashMap<>();
    private final Duration retention;
    private final int maxKept;
    /** Held while the log is appended to or compacted, so that a compaction loses nothing appended meanwhile. */
    private final Object logOrder = new Object();
    private volatile boolean closing;

    public Executions(Path dir, Invoker invoker, NodeScheduler scheduler, long blobBytesPerTenant, Duration retention, int maxKept) {
        this(dir, invoker, scheduler, blobBytesPerTenant, retention, maxKept, ExecutionBackups.NONE, ExecutionOwners.SOLE);
    }

    /** Executions whose log is also copied to {@code backups}, owned by one node of a fleet at a time through {@code owners}. */
    public Executions(Path dir, Invoker invoker, NodeScheduler scheduler, long blobBytesPerTenant, Duration retention, int maxKept,
                      ExecutionBackups backups, ExecutionOwners owners) {
        this.invoker = invoker;
        this.spans = new ExecutionSpans(invoker == null ? dev.skyfn.node.tracing.Tracing.OFF : invoker.tracing());
        this.retention = retention;
        this.maxKept = maxKept;
        this.blobs = new BlobStore(dir.resolve("blobs"), blobBytesPerTenant);
        Map<String, Execution> replayed = new LinkedHashMap<>();
        List<byte[]> copied = java.nio.file.Files.exists(dir.resolve("executions.log")) ? List.of() : backups.own();
        this.log = ExecutionLog.open(dir.resolve("executions.log"), replayed, backups);
        this.backups = backups;
        this.owners = owners;
        this.fence = new Fence(owners, () -> closing);
        executions.putAll(replayed);
        replayed.values().forEach(e -> blobs.adopt(e.app().tenant(), e.id()));
        restore(copied);
        scheduler.every(Duration.ofSeconds(10), "dropping old workflow executions", this::sweep);
    }

    /**
     * Restores the executions of this node's copied log when its own log is gone: the ended ones
     * kept to be read, as long as the retention allows; the running ones resumed by {@link
     * #resume} like those of a restart, if this node still owns them. They go into the new log
     * here only: the copy has them already.
     */
    private void restore(List<byte[]> copied) {
        int restored = 0;
        for (Execution e : ExecutionLog.replay(copied).values()) {
            if (pastRetention(e)) {
                continue;
            }
            e.steps().stream().filter(StepRecord::inBlob).forEach(s -> fetched(e, s.blob()));
            if (e.end() != null && !e.end().outputBlob().isEmpty() && !fetched(e, e.end().outputBlob())) {
                LOG.warn("execution {} ended with a value that could not be fetched from the backups", e.id());
            }
            blobs.adopt(e.app().tenant(), e.id());
            executions.put(e.id(), e);
            log.restored(e);
            restored++;
        }
        if (restored > 0) {
            LOG.info("restored {} executions from the copy of this node's log: its own log was gone", restored);
        }
    }

    /**
     * Resumes every execution the node had running when it stopped, unless another node took it
     * over meanwhile (while this one was down, or taken for dead): those it forgets.
     */
    public void resume() {
        executions.values().stream().filter(e -> e.status() == Execution.Status.RUNNING).forEach(e -> Thread.ofVirtual().start(() -> {
            if (reclaimed(e)) {
                LOG.info("resuming execution {} of {}/{} from {} recorded steps", e.id(), e.app(), e.workflow(), e.stepCount());
                dispatch(e);
            }
        }));
    }

    /**
     * Drops the running executions of {@code app} that another node owns now: this node was taken
     * for dead and they were taken over. What their runs here still do commits nothing.
     */
    public void dropTakenOver(AppKey app) {
        executions.values().stream().filter(e -> e.app().equals(app) && e.status() == Execution.Status.RUNNING)
                .forEach(this::reclaimed);
    }

    /**
     * Stops the runs of {@code app}'s running executions here at a step boundary, so that another
     * node can take them on: each run goes on until it records its next step (or for
     * {@code stepWait} at most: a step still running then runs again on the other node, as after a
     * node's death), is stopped, and its steps are backed up. Returns those stopped; each is then
     * {@linkplain #handedOver handed over} or {@linkplain #keep kept}.
     */
    public List<Execution> pause(AppKey app, Duration stepWait) throws InterruptedException {
        List<Execution> running = executions.values().stream()
                .filter(e -> e.app().equals(app) && e.status() == Execution.Status.RUNNING).toList();
        List<Execution> paused = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + stepWait.toNanos();
        for (Execution e : running) {
            if (e.awaitStep(e.stepCount(), deadline) && e.handOver()) {
                Sandbox sandbox = e.sandbox();
                Sandbox.Call call = e.call();
                e.stopRun();
                if (sandbox != null && call != null) {
                    sandbox.cancel(call, new Message.Failure(call.id(), ErrorCode.CANCELLED.name(), "handed over to another node", ""));
                }
                paused.add(e);
            }
        }
        for (Execution e : paused) {
            e.backedUp().join();
        }
        return paused;
    }

    /** Whether any execution of {@code app} runs here. */
    public boolean runs(AppKey app) {
        return executions.values().stream().anyMatch(e -> e.app().equals(app) && e.status() == Execution.Status.RUNNING);
    }

    /** Whether another node owns {@code e} now (it is then forgotten here, and readers are sent there). */
    public boolean handedOver(Execution e) {
        return !stillOwned(e, "was handed over to another node, which runs it on");
    }

    /** Runs {@code e} here again: no node took it on. */
    public void keep(Execution e) {
        e.keep();
        if (executions.get(e.id()) == e && e.status() == Execution.Status.RUNNING) {
            dispatch(e);
        }
    }

    /** Whether this node still owns {@code e}, asking until the owners can be reached; drops it if another node does. */
    private boolean reclaimed(Execution e) {
        return stillOwned(e, TAKEN_FOR_DEAD);
    }

    /** Whether this node still owns {@code e}; if another node does, it is forgotten here, {@code how} saying why in the log. */
    private boolean stillOwned(Execution e, String how) {
        if (fence.stillOwns(e)) {
            return true;
        }
        if (!closing) {
            forget(e, how);
        }
        return false;
    }

    /** Forgets an execution another node owns now ({@code how}, for the log): it stops here, and readers are sent to its owner. */
    private void forget(Execution e, String how) {
        if (executions.remove(e.id(), e)) {
            spans.forgotten(e);
            synchronized (logOrder) {
                log.forgot(e);
            }
            if (e.handingOver()) {
                LOG.info("execution {} of {} {}", e.id(), e.app(), how);
            } else {
                LOG.warn("execution {} of {} {}", e.id(), e.app(), how);
            }
        }
        Sandbox sandbox = e.sandbox();
        Sandbox.Call call = e.call();
        if (sandbox != null && call != null) {
            sandbox.cancel(call, new Message.Failure(call.id(), ErrorCode.CANCELLED.name(), "taken over by another node", ""));
        }
        e.announce();
    }

    /**
     * Takes over the executions of a dead node's log whose app this node serves: running ones run
     * on from their settled steps, their large values fetched from the backups (a step whose value
     * cannot be fetched runs again); ended ones are kept as they ended, so that their callers still
     * find their result. Executions this node already has are left alone, and so are those
     * {@code from} (the dead node) no longer owned. Returns how many running executions were taken over.
     */
    public int adopt(String from, List<byte[]> records, java.util.function.Predicate<AppKey> take) {
        int adopted = 0;
        for (Execution dead : ExecutionLog.replay(records).values()) {
            if (!pastRetention(dead) && !executions.containsKey(dead.id()) && take.test(dead.app()) && adopt(from, dead)) {
                adopted++;
            }
        }
        return adopted;
    }

    /** Whether an execution read from a log ended before this node's retention: it is not kept. */
    private boolean pastRetention(Execution e) {
        return e.end() != null && e.end().at().isBefore(Instant.now().minus(retention));
    }

    /**
     * Takes over the running executions of {@code app} a live node handed to this one ({@link
     * #pause}): they run on here from the steps it recorded. Those it ended are kept here too, as
     * they ended: the node that hands them over is leaving the app, and often the fleet — given
     * back once drained, it is not taken for dead, so nothing would be taken over from it, and
     * their outcomes would go with it. Returns how many running ones were taken over.
     */
    public int takeHandedOver(String from, List<byte[]> records, AppKey app) {
        return adopt(from, records, app::equals);
    }

    /** Takes one execution of {@code from}'s log on here; whether it runs on here (it had not ended, and this node owns it now). */
    private boolean adopt(String from, Execution dead) {
        var epoch = dead.end() == null ? owners.takeOver(dead.id(), from) : OptionalLong.of(0);
        if (epoch.isEmpty()) {
            return false; // another node owns it now
        }
        var e = new Execution(dead.id(), dead.app(), dead.workflow(), dead.input(), dead.started(), dead.deadline());
        e.owned(epoch.getAsLong());
        dead.steps().stream().filter(s -> !s.inBlob() || fetched(e, s.blob())).forEach(e::step);
        Execution.End end = dead.end();
        boolean outputLost = end != null && !end.outputBlob().isEmpty() && !fetched(e, end.outputBlob());
        blobs.adopt(e.app().tenant(), e.id());
        executions.put(e.id(), e);
        synchronized (logOrder) {
            log.adopted(e).join();
        }
        if (end != null) {
            if (outputLost) {
                LOG.warn("execution {} ended with a value that could not be fetched from the backups", e.id());
            }
            e.finish(end); // committed by the node it ran on
            logEnd(e);
            return false;
        }
        LOG.info("took over execution {} of {}/{} with {} recorded steps", e.id(), e.app(), e.workflow(), e.stepCount());
        dispatch(e);
        return true;
    }

    private boolean fetched(Execution e, String blob) {
        return blobs.exists(e.id(), blob) || backups.fetchBlob(e.app().tenant(), e.id(), blob, blobs.file(e.id(), blob));
    }

    /** Starts an execution of {@code workflow}; it is backed up before this returns. */
    public Execution start(AppKey key, String workflow, byte[] input) {
        DeployedApp app = invoker.resolveApp(key);
        WorkflowSpec spec = app.manifest().workflows().get(workflow);
        if (spec == null) {
            throw new SkyfnException(ErrorCode.WORKFLOW_NOT_FOUND, "app " + key.app() + " has no workflow " + workflow
                    + (app.manifest().workflows().isEmpty() ? "" : " (it has: " + String.join(", ", app.manifest().workflows().keySet()) + ")"));
        }
        byte[] json = checkedJson(input);
        Instant now = Instant.now();
        Duration timeout = spec.definition().timeout();
        var e = new Execution(Ids.next(), key, workflow, json, now, timeout == null ? null : now.plus(timeout));
        e.owned(owners.own(e.id()));
        executions.put(e.id(), e);
        spans.started(e);
        CompletableFuture<Void> durable;
        synchronized (logOrder) {
            durable = log.started(e);
        }
        // the run starts while the start reaches the disk: its steps are logged after it, and nobody hears of it before
        dispatch(e);
        durable.join();
        return e;
    }

    private static byte[] checkedJson(byte[] input) {
        if (input.length == 0) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
        JsonErrors.requireOneValue(input, "the input of an execution");
        return input;
    }

    /** The execution, if it is {@code tenant}'s and still kept. */
    public Optional<Execution> get(String tenant, String id) {
        Execution e = executions.get(id);
        return e != null && e.app().tenant().equals(tenant) ? Optional.of(e) : Optional.empty();
    }

    /** An app's executions, newest first: of one workflow if {@code workflow} is not null, in one status if {@code status} is not. */
    public List<Execution> list(AppKey app, String workflow, Execution.Status status, int limit) {
        return executions.values().stream()
                .filter(e -> e.app().equals(app) && (workflow == null || e.workflow().equals(workflow))
                        && (status == null || e.status() == status))
                .sorted(Comparator.comparing(Execution::started).reversed())
                .limit(limit)
                .toList();
    }

    /** Stops a running execution; it ends ABORTED. An execution that already ended is left as it is. */
    public Execution cancel(String tenant, String id) {
        Execution e = get(tenant, id).orElseThrow(() -> notFound(id));
        Sandbox sandbox = e.sandbox();
        Sandbox.Call call = e.call();
        if (finish(e, new Execution.End(Execution.Status.ABORTED, Instant.now(), null, "", "", "cancelled by its tenant"), false)
                && call != null) {
            sandbox.cancel(call, new Message.Failure(call.id(), ErrorCode.CANCELLED.name(), "cancelled", ""));
        }
        return e;
    }

    public static SkyfnException notFound(String id) {
        return new SkyfnException(ErrorCode.EXECUTION_NOT_FOUND, "no execution " + id + " (ended executions are kept for a limited time)");
    }

    /** The size of a large value of an execution, kept apart in a blob. */
    public long valueBytes(Execution e, String blob) {
        return blobs.size(e.id(), blob);
    }

    /** Reads a large value of an execution, to stream it without loading it whole. */
    public InputStream openValue(Execution e, String blob) throws IOException {
        return blobs.open(e.id(), blob);
    }

    private void dispatch(Execution e) {
        Thread.ofVirtual().name("execution-" + e.id()).start(() -> {
            try {
                runToEnd(e);
            } catch (RuntimeException failure) {
                LOG.error("execution {} broke", e.id(), failure);
                finish(e, failed(ErrorCode.INTERNAL.name(), "the node failed to run the execution: " + failure));
            }
        });
    }

    /** Runs the execution in its app's sandbox until it ends, resuming it in a new sandbox when one dies. */
    private void runToEnd(Execution e) {
        while (!closing && e.status() == Execution.Status.RUNNING && !e.handingOver()) {
            Duration left = e.deadline() == null ? NO_TIMEOUT : Duration.between(Instant.now(), e.deadline());
            if (left.isNegative() || left.isZero()) {
                finish(e, timedOut(e));
                return;
            }
            Message answer;
            int runs;
            try {
                Sandbox.Seat seat = invoker.sandbox(e.app());
                Sandbox sandbox = seat.sandbox();
                // the sandbox is known before the run starts: its first steps may come before call() returns
                runs = e.startRun(sandbox);
                Sandbox.Call call = sandbox.call(id -> new Message.Run(id, seat.slot(), e.workflow(), e.id(), left.toMillis(), e.input(), e.memo()),
                        System.nanoTime() + left.toNanos(), "execution " + e.id());
                e.runCall(call);
                answer = call.answer().get();
            } catch (SkyfnException failure) {
                if (!closing && !e.handingOver()) {
                    finish(e, failed(failure.code().name(), failure.getMessage()));
                }
                return;
            } catch (InterruptedException | ExecutionException failure) {
                return; // the node is stopping: the execution resumes when it starts again
            }
            if (closing || settle(e, answer, runs)) {
                return;
            }
        }
    }

    /** Ends the execution as its run's answer says; false when it should run again. */
    private boolean settle(Execution e, Message answer, int runs) {
        if (e.status() != Execution.Status.RUNNING || e.handingOver()) {
            return true; // cancelled, stopped for taking too many steps, or stopped for another node to take on
        }
        Execution.End end = switch (answer) {
            case Message.Result r -> succeeded(e, r.payload());
            case Message.Failure f when f.code().equals(ErrorCode.EXECUTION_FAILED.name()) -> failed(f.type(), f.message());
            case Message.Failure f when f.code().equals(Sandbox.TIMED_OUT) -> timedOut(e);
            case Message.Failure f when sandboxDied(f) && runs < MAX_RUNS -> {
                LOG.warn("execution {}: {}; resuming it from {} settled steps", e.id(), f.message(), e.memo().size());
                yield null;
            }
            case Message.Failure f -> failed(f.code(), f.message() + (runs > 1 ? " (after " + runs + " runs)" : ""));
            default -> failed(ErrorCode.INTERNAL.name(), "unexpected answer " + answer);
        };
        if (end == null) {
            return false;
        }
        finish(e, end);
        return true;
    }

    /** Its sandbox died under the run, whichever call of the sandbox's killed it: the run may well succeed in another. */
    private static boolean sandboxDied(Message.Failure f) {
        return f.code().equals(ErrorCode.SANDBOX_CRASHED.name()) || f.code().equals(ErrorCode.SANDBOX_OUT_OF_MEMORY.name());
    }

    private Execution.End succeeded(Execution e, Payload output) {
        Instant now = Instant.now();
        if (output instanceof Payload.Body b && b.contentType().equals(StepRecord.BLOB_TYPE)) {
            String blob = new String(b.bytes(), StandardCharsets.UTF_8);
            blobs.durable(e.id(), blob).join();
            return new Execution.End(Execution.Status.SUCCEEDED, now, null, blob, "", "");
        }
        byte[] json = output instanceof Payload.Body b && b.bytes().length > 0 ? b.bytes() : "null".getBytes(StandardCharsets.UTF_8);
        return new Execution.End(Execution.Status.SUCCEEDED, now, json, "", "", "");
    }

    private static Execution.End failed(String error, String cause) {
        return new Execution.End(Execution.Status.FAILED, Instant.now(), null, "", error, cause);
    }

    private static Execution.End timedOut(Execution e) {
        Duration limit = e.deadline() == null ? NO_TIMEOUT : Duration.between(e.started(), e.deadline());
        return new Execution.End(Execution.Status.TIMED_OUT, Instant.now(), null, "", WorkflowError.TIMEOUT,
                "the execution did not end within its TimeoutSeconds of " + Durations.format(limit));
    }

    /**
     * Ends an execution, backed up before anyone waiting on it hears; false if it had already
     * ended, or if another node took it over (then this node forgets it). A run's end waits for
     * the owners to be reachable; a cancel does not ({@code wait}).
     */
    private boolean finish(Execution e, Execution.End end) {
        return finish(e, end, true);
    }

    private boolean finish(Execution e, Execution.End end, boolean wait) {
        synchronized (e.ending) {
            if (e.status() != Execution.Status.RUNNING || !committed(e, wait) || !e.finish(end)) {
                return false;
            }
        }
        logEnd(e);
        return true;
    }

    /** Logs an execution's end, then tells those waiting. */
    private void logEnd(Execution e) {
        spans.ended(e);
        // the end goes to the log after the steps still on their way there: a replay drops steps recorded after an end
        e.backedUp().join();
        CompletableFuture<Void> durable;
        synchronized (logOrder) {
            durable = log.ended(e);
        }
        try {
            durable.join();
        } catch (CompletionException notBackedUp) {
            LOG.error("execution {} ended {} but its end could not be backed up: {}", e.id(), e.status(), notBackedUp.getCause().toString());
        }
        e.announce();
    }

    /** Commits the end with the owners, fenced by this node's epoch; false (and the execution dropped) when another node owns it. */
    private boolean committed(Execution e, boolean wait) {
        Fence.Commit commit = fence.end(e, wait);
        if (commit == Fence.Commit.TAKEN_OVER) {
            forget(e, TAKEN_FOR_DEAD);
        }
        return commit == Fence.Commit.DONE;
    }

    @Override
    public void progress(AppKey app, Sandbox from, Message.Progress progress) {
        Execution e = executions.get(progress.executionId());
        if (e == null || !e.app().equals(app) || e.sandbox() != from) {
            return; // a run that was given up on, still finishing
        }
        StepRecord step = progress.step();
        if (step.inBlob() && !blobs.exists(e.id(), step.blob())) {
            LOG.warn("execution {}: step {} names a value that was not written; ignoring the step", e.id(), step.key());
            return;
        }
        if (e.stepCount() >= MAX_STEPS) {
            Sandbox.Call call = e.call();
            if (finish(e, failed(WorkflowError.RUNTIME, "the execution recorded " + MAX_STEPS + " steps, the limit; does it loop without end?"))
                    && call != null) {
                from.cancel(call, new Message.Failure(call.id(), ErrorCode.CANCELLED.name(), "too many steps", ""));
            }
            return;
        }
        if (!e.step(step)) {
            return;
        }
        spans.step(e, step);
        if (step.inBlob()) {
            // the record may reach the disk, and the backups, only after the value it names
            e.backingUp(blobs.durable(e.id(), step.blob())
                    .thenCompose(ok -> backups.blob(e.app().tenant(), e.id(), step.blob(), blobs.file(e.id(), step.blob())))
                    .handle((ok, failure) -> backUp(e, step, failure)).thenCompose(recorded -> recorded));
        } else {
            e.backingUp(backUp(e, step, null));
        }
    }

    /** Logs a step; the future completes once the record is backed up. */
    private CompletableFuture<Void> backUp(Execution e, StepRecord step, Throwable blobFailure) {
        if (blobFailure != null) {
            LOG.error("execution {}: the value of step {} could not be forced to disk; the step is not backed up", e.id(), step.key(), blobFailure);
            return CompletableFuture.completedFuture(null);
        }
        synchronized (logOrder) {
            return log.step(e, step);
        }
    }

    @Override
    public void blob(AppKey app, Sandbox from, Message.Data op) {
        Execution e = executions.get(op.path());
        if (e == null || !e.app().equals(app)) {
            from.answer(new Message.Failure(op.id(), ErrorCode.EXECUTION_NOT_FOUND.name(), "no execution " + op.path() + " of this app", ""));
            return;
        }
        try {
            if (op.op() == DataOp.BLOB_READ) {
                from.answer(new Message.Result(op.id(), new Payload.Body("", blobs.read(e.id(), op.key(), op.number(), op.count()))));
            } else if (op.value() == null || e.sandbox() != from) {
                throw new SkyfnException(ErrorCode.INVALID_INPUT, "not a write of a running execution");
            } else {
                from.answer(write(e, op));
            }
        } catch (SkyfnException failure) {
            from.answer(new Message.Failure(op.id(), failure.code().name(), failure.getMessage(), ""));
        }
    }

    private Message write(Execution e, Message.Data op) {
        try {
            blobs.append(e.app().tenant(), e.id(), op.key(), op.value(), op.count() == 1);
            return new Message.Result(op.id(), Payload.EMPTY);
        } catch (SkyfnException failure) {
            return new Message.Failure(op.id(), failure.code().name(), failure.getMessage(), "");
        }
    }

    /** Drops ended executions past their retention, and the oldest beyond the number kept; compacts the log. */
    void sweep() {
        Instant cutoff = Instant.now().minus(retention);
        List<Execution> ended = executions.values().stream().filter(e -> e.end() != null)
                .sorted(Comparator.comparing((Execution e) -> e.end().at())).toList();
        List<Execution> drop = new ArrayList<>();
        for (int i = 0; i < ended.size(); i++) {
            Execution e = ended.get(i);
            if (e.end().at().isBefore(cutoff) || ended.size() - i > maxKept) {
                drop.add(e);
            }
        }
        for (Execution e : drop) {
            executions.remove(e.id());
            synchronized (logOrder) {
                log.forgot(e);
            }
            blobs.remove(e.app().tenant(), e.id());
            owners.forget(e.id());
            backups.forgetBlobs(e.id(), e.steps().stream().filter(StepRecord::inBlob).map(StepRecord::blob).distinct().toList());
        }
        if (!drop.isEmpty() && log.size() > COMPACT_ABOVE_BYTES) {
            synchronized (logOrder) {
                log.sync();
                log.compact(executions.values().stream().sorted(Comparator.comparing(Execution::started)).toList());
            }
        }
    }

    /** Executions running now. */
    public long running() {
        return executions.values().stream().filter(e -> e.status() == Execution.Status.RUNNING).count();
    }

    /** Stops taking part: executions still running stay so in the log and resume at the next start. */
    @Override
    public void close() {
        closing = true;
        log.close();
    }
}
