package dev.skyfn.sandbox;

import dev.skyfn.sandbox.guard.Work;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The basic blocks each call of an app that meters useful work executes: a counter per call,
 * held by the call's thread and inherited by the threads it starts (a pool it starts keeps
 * counting for that call).
 */
final class WorkCounter {

    private static final InheritableThreadLocal<AtomicLong> CALL = new InheritableThreadLocal<>();

    static {
        Work.sinkTo(WorkCounter::add);
    }

    private WorkCounter() {
    }

    /** Makes {@link Work} count here: called as the sandbox starts, before any app's code runs. */
    static void install() {
        // the class's initializer does it, once
    }

    private static void add(long blocks) {
        AtomicLong counter = CALL.get();
        if (counter != null) {
            counter.addAndGet(blocks);
        }
    }

    /** Starts counting for the call on this thread. */
    static AtomicLong begin() {
        var counter = new AtomicLong();
        CALL.set(counter);
        return counter;
    }

    /** Stops counting on this thread; the blocks counted. */
    static long end(AtomicLong counter) {
        CALL.remove();
        return counter.get();
    }
}
