package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A function's concurrency limit on this node: {@code concurrency} invocations run at once, up to
 * {@code queue} more wait their turn, and the rest are refused at once with 429.
 */
final class FunctionGate {

    private final int concurrency;
    private final int queue;
    private final Semaphore slots;
    private final AtomicInteger waiting = new AtomicInteger();

    FunctionGate(int concurrency, int queue) {
        this.concurrency = concurrency;
        this.queue = queue;
        this.slots = new Semaphore(concurrency, true);
    }

    /**
     * Takes a slot, waiting in the queue until {@code deadlineNanos} at the latest. A bounded caller
     * is refused when the queue is full; async invocations are not, their backlog has its own bound.
     */
    void enter(String function, long deadlineNanos, boolean bounded) {
        if (slots.tryAcquire()) {
            return;
        }
        if (waiting.incrementAndGet() > queue && bounded) {
            waiting.decrementAndGet();
            throw new SkyfnException(ErrorCode.TOO_MANY_REQUESTS, "function " + function + " is at its concurrency limit ("
                    + concurrency + " running, " + queue + " waiting); retry later or raise 'concurrency' or 'queue'");
        }
        try {
            if (!slots.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new SkyfnException(ErrorCode.FUNCTION_TIMEOUT, "function " + function
                        + " timed out waiting for one of its " + concurrency + " concurrency slots");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while waiting for a slot");
        } finally {
            waiting.decrementAndGet();
        }
    }

    /**
     * Takes {@code n} slots at once (at most the concurrency), waiting until {@code deadlineNanos}
     * at the latest: for many calls sent together, which must not each hold a part of what the
     * others wait for.
     */
    void enter(String function, int n, long deadlineNanos) {
        if (n > concurrency) {
            throw new IllegalArgumentException(n + " calls at once exceed the concurrency of " + concurrency);
        }
        waiting.addAndGet(n);
        try {
            if (!slots.tryAcquire(n, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new SkyfnException(ErrorCode.FUNCTION_TIMEOUT, "function " + function
                        + " timed out waiting for " + n + " of its " + concurrency + " concurrency slots");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "interrupted while waiting for a slot");
        } finally {
            waiting.addAndGet(-n);
        }
    }

    void leave(int n) {
        slots.release(n);
    }

    /** Takes a slot if one is free now, without waiting. */
    boolean tryEnter() {
        return slots.tryAcquire();
    }

    void leave() {
        slots.release();
    }

    int waiting() {
        return waiting.get();
    }

    int running() {
        return concurrency - slots.availablePermits();
    }
}
