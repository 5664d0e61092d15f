package dev.skyfn.sandbox;

import dev.skyfn.api.FunctionCallException;
import dev.skyfn.core.ErrorCode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Deadlines of calls between functions inside this sandbox, which the node never sees. A thread of
 * its own checks them every few milliseconds while any are pending and sleeps otherwise: a call past
 * its deadline fails for its caller and its grain is interrupted; so is one its caller gave up on
 * (cancelled); a grain still running a grace period later is reported, and the sandbox asks to be
 * replaced.
 */
final class LocalDeadlines {

    static final Duration TICK = Duration.ofMillis(5);

    private record Pending(long deadlineNanos, Thread grain, CompletableFuture<Object> result, String invocationId) {
    }

    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private final Set<Pending> expired = ConcurrentHashMap.newKeySet();
    private final long graceNanos;
    private final Consumer<String> hung;
    private volatile Thread watcher;
    /** Set while the watcher sleeps with nothing to watch: only then does a new call wake it. */
    private final java.util.concurrent.atomic.AtomicBoolean idle = new java.util.concurrent.atomic.AtomicBoolean();

    /** Deadlines checked only when {@link #sweep} is called; see {@link #started}. */
    LocalDeadlines(Duration grace, Consumer<String> hung) {
        this.graceNanos = grace.toNanos();
        this.hung = hung;
    }

    /** Deadlines checked by a thread of their own. */
    static LocalDeadlines started(Duration grace, Consumer<String> hung) {
        var deadlines = new LocalDeadlines(grace, hung);
        deadlines.watcher = Thread.ofPlatform().daemon().name("skyfn-local-deadlines").start(deadlines::watch);
        return deadlines;
    }

    void watch(long deadlineNanos, Thread grain, CompletableFuture<Object> result, String invocationId) {
        var p = new Pending(deadlineNanos, grain, result, invocationId);
        pending.add(p);
        result.whenComplete((v, e) -> {
            pending.remove(p);
            if (e instanceof java.util.concurrent.CancellationException) {
                // given up on by its caller (a task of an execution cancelled): watched as a call past its deadline, from now
                grain.interrupt();
                expired.add(new Pending(System.nanoTime(), grain, result, invocationId));
                wake();
            }
        });
        wake();
    }

    private void wake() {
        Thread w = watcher;
        if (w != null && idle.get() && idle.compareAndSet(true, false)) {
            LockSupport.unpark(w);
        }
    }

    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            if (pending.isEmpty() && expired.isEmpty()) {
                idle.set(true);
                // a call registered between the check and the flag is seen on this second look
                if (pending.isEmpty() && expired.isEmpty()) {
                    LockSupport.park(this);
                }
                idle.set(false);
            } else {
                LockSupport.parkNanos(this, TICK.toNanos());
            }
            sweep(System.nanoTime());
        }
    }

    void sweep(long now) {
        for (Pending p : pending) {
            if (now - p.deadlineNanos() >= 0 && p.result().completeExceptionally(new FunctionCallException(
                    ErrorCode.FUNCTION_TIMEOUT.name(), "the call to invocation " + p.invocationId() + " passed its deadline", ""))) {
                p.grain().interrupt();
                expired.add(p);
            }
        }
        for (Pending p : expired) {
            if (!p.grain().isAlive()) {
                expired.remove(p);
            } else if (now - p.deadlineNanos() > graceNanos) {
                expired.remove(p);
                hung.accept(p.invocationId());
            }
        }
    }

    long pendingCount() {
        return pending.size();
    }

    static long deadline(long timeoutMillis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }
}
