package dev.skyfn.node.workflow;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.node.sandbox.Sandbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One workflow execution on this node: where it is, its steps so far, and how it ended. */
public final class Execution {

    /** Where an execution is; every status but RUNNING is final. */
    public enum Status { RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED }

    /** How an execution ended: its output (inline JSON or a blob's name) or its error. */
    public record End(Status status, Instant at, byte[] output, String outputBlob, String error, String cause) {
    }

    private final String id;
    private final AppKey app;
    private final String workflow;
    private final byte[] input;
    private final Instant started;
    private final Instant deadline;
    private final List<StepRecord> steps = new ArrayList<>();
    private final Map<String, StepRecord> settled = new HashMap<>();
    private final CompletableFuture<Execution> done = new CompletableFuture<>();
    /** Step records still on their way to the log (their large value is being forced and copied first). */
    private CompletableFuture<Void> backingUp = CompletableFuture.completedFuture(null);
    private End end;
    private int runs;
    private Sandbox sandbox;
    private Sandbox.Call call;
    /** Whether its run is being stopped at a step boundary, for another node to take it on ({@link Executions#pause}). */
    private boolean handingOver;
    /** This node's epoch as the execution's owner ({@link ExecutionOwners}); 0 until it owns it. */
    private long epoch;
    /** Held while the end is committed, so that two ends (a run's and a cancel's) are not both tried. */
    final Object ending = new Object();

    /** {@code deadline}: when the execution times out, or null for never. */
    Execution(String id, AppKey app, String workflow, byte[] input, Instant started, Instant deadline) {
        this.id = id;
        this.app = app;
        this.workflow = workflow;
        this.input = input;
        this.started = started;
        this.deadline = deadline;
    }

    public String id() {
        return id;
    }

    public AppKey app() {
        return app;
    }

    public String workflow() {
        return workflow;
    }

    public byte[] input() {
        return input;
    }

    public Instant started() {
        return started;
    }

    Instant deadline() {
        return deadline;
    }

    public synchronized Status status() {
        return end == null ? Status.RUNNING : end.status();
    }

    /** How it ended, or null while it runs. */
    public synchronized End end() {
        return end;
    }

    /** Completes when the execution ends. */
    public CompletableFuture<Execution> done() {
        return done;
    }

    /** Its steps so far, as recorded, in order. */
    public synchronized List<StepRecord> steps() {
        return List.copyOf(steps);
    }

    synchronized int stepCount() {
        return steps.size();
    }

    /** Records a step; false once the execution has ended. */
    synchronized boolean step(StepRecord step) {
        if (end != null) {
            return false;
        }
        steps.add(step);
        if (step.settles()) {
            settled.put(step.key(), step);
        }
        notifyAll();
        return true;
    }

    /**
     * Waits until it records a step beyond its first {@code after}, or ends, or {@code deadline}
     * ({@link System#nanoTime()}) passes; whether it is still running.
     */
    synchronized boolean awaitStep(int after, long deadline) throws InterruptedException {
        while (end == null && steps.size() <= after) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return end == null;
    }

    /** Marks it as being handed over; false if it has ended. */
    synchronized boolean handOver() {
        handingOver = end == null;
        return handingOver;
    }

    synchronized boolean handingOver() {
        return handingOver;
    }

    /** Its run is stopped: a step its sandbox still reports is not recorded here. */
    synchronized void stopRun() {
        sandbox = null;
        call = null;
    }

    /** It runs here again: the handover did not happen. */
    synchronized void keep() {
        handingOver = false;
    }

    /** Adds a step record on its way to the log. */
    synchronized void backingUp(CompletableFuture<?> record) {
        backingUp = CompletableFuture.allOf(backingUp, record.exceptionally(failed -> null));
    }

    /** Completes once every step record added so far is in the log (or failed to get there). */
    synchronized CompletableFuture<Void> backedUp() {
        return backingUp;
    }

    /** The settled steps a resumed run starts from. */
    synchronized List<StepRecord> memo() {
        return List.copyOf(settled.values());
    }

    /** Ends the execution unless it already has; true if this call ended it. Those waiting hear of it with {@link #announce}. */
    synchronized boolean finish(End how) {
        if (end != null) {
            return false;
        }
        end = how;
        sandbox = null;
        call = null;
        notifyAll();
        return true;
    }

    synchronized long epoch() {
        return epoch;
    }

    synchronized void owned(long epoch) {
        this.epoch = epoch;
    }

    /** Tells those waiting that the execution ended, or that it is no longer this node's. */
    void announce() {
        done.complete(this);
    }

    /** A new run of the execution starts in {@code on}; the count of runs so far, this one included. */
    synchronized int startRun(Sandbox on) {
        sandbox = on;
        call = null;
        return ++runs;
    }

    /** The call that carries the current run, to cancel it. */
    synchronized void runCall(Sandbox.Call run) {
        if (end == null) {
            call = run;
        }
    }

    /** The sandbox running the execution now, or null. */
    synchronized Sandbox sandbox() {
        return sandbox;
    }

    synchronized Sandbox.Call call() {
        return call;
    }
}
