package dev.skyfn.sandbox.guard;

import java.util.function.LongConsumer;

/**
 * Where an app's classes report the basic blocks they executed, when the app meters useful work
 * ({@code metering: useful-work}): the sandbox rewrites each method to count its blocks in a local
 * and add them here as it returns or throws. The count goes to the call running on the thread;
 * an app cannot redirect it (the sink is set once, by the sandbox) nor take from it (a count
 * below 1 is ignored). Public because rewritten app classes call it.
 */
public final class Work {

    private static volatile LongConsumer sink;

    private Work() {
    }

    /** {@code blocks} executed by one run of a method of the app. */
    public static void add(long blocks) {
        LongConsumer to = sink;
        if (to != null && blocks > 0) {
            to.accept(blocks);
        }
    }

    /** Sets where counts go; once, by the sandbox as it starts. IllegalStateException the second time. */
    public static synchronized void sinkTo(LongConsumer to) {
        if (sink != null) {
            throw new IllegalStateException("where work is counted is set already");
        }
        sink = to;
    }
}
