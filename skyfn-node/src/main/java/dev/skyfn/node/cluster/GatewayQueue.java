package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The calls a gateway holds while every replica of their app already runs as many of this
 * gateway's calls as the app's {@code concurrency} allows, as Knative's activator buffers them.
 * A burst's backlog waits here rather than in the queue of whichever node was least busy when each
 * call came, so that it drains at the rate of every replica, those that join later included:
 * queued at the nodes, it would stay on the replicas that were up when it formed.
 *
 * <p>First come, first served. A call that finds room and nobody waiting goes at once; one that
 * waited is admitted with its app's line held, and lets it go ({@link Admission#close}) once it is
 * counted on the replica it goes to, so that the next call sees it; then the next in line looks
 * for room. Each call that ends, and each change in the
 * fleet (a replica joining), lets the call that has waited longest look again.
 */
final class GatewayQueue {

    /** How long a waiting call sleeps at most before it looks again, whatever it was told. */
    private static final Duration LOOK_AGAIN = Duration.ofSeconds(1);

    /** The calls waiting for one app. */
    private static final class Line {
        final ReentrantLock lock = new ReentrantLock(true);
        final Condition room = lock.newCondition();
        final AtomicInteger waiting = new AtomicInteger();
    }

    /** A call let through: close it once the call is counted where it goes (at once when it goes nowhere). */
    static final class Admission implements AutoCloseable {
        private final Line line;
        private final boolean admitted;
        private boolean closed;

        private Admission(Line line, boolean admitted) {
            this.line = line;
            this.admitted = admitted;
            this.closed = line == null;
        }

        /** Whether there was room; false when the deadline passed first. */
        boolean admitted() {
            return admitted;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            line.room.signal();
            line.lock.unlock();
        }
    }

    private static final Admission TIMED_OUT = new Admission(null, false);
    /** Let through with no line held: nobody waited, and there was room. */
    private static final Admission FREE = new Admission(null, true);
    private final Map<AppKey, Line> lines = new ConcurrentHashMap<>();

    /**
     * Waits until {@code room} says a replica of {@code app} can take one more of this gateway's
     * calls and every call that came before has gone, or until {@code deadlineNanos} (of {@link
     * System#nanoTime}) passes. A call admitted after waiting holds its app's line until it closes
     * the admission.
     */
    Admission admit(AppKey app, BooleanSupplier room, long deadlineNanos) throws InterruptedException {
        Line line = lines.computeIfAbsent(app, k -> new Line());
        // the common case takes no lock: calls that come together may then both take a replica's last slot, and one
        // of them queues at the node, as every call did before there was a line
        if (line.waiting.get() == 0 && room.getAsBoolean()) {
            return FREE;
        }
        line.lock.lockInterruptibly();
        boolean holding = true;
        try {
            if (line.waiting.get() == 0) {
                if (room.getAsBoolean()) {
                    holding = false;
                    return new Admission(line, true);
                }
            } else {
                line.room.signal(); // the first in line looks: a call may have ended since it last did
            }
            line.waiting.incrementAndGet();
            try {
                while (true) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        line.room.signal();
                        return TIMED_OUT;
                    }
                    line.room.awaitNanos(Math.min(left, LOOK_AGAIN.toNanos()));
                    if (room.getAsBoolean()) {
                        holding = false;
                        return new Admission(line, true);
                    }
                }
            } finally {
                line.waiting.decrementAndGet();
            }
        } finally {
            if (holding) {
                line.lock.unlock();
            }
        }
    }

    /** A call of {@code app} ended: the call that has waited longest looks for room. */
    void ended(AppKey app) {
        Line line = lines.get(app);
        if (line != null && line.waiting.get() > 0) {
            signal(line);
        }
    }

    /** The fleet changed (a node joined, or serves an app now): the first call in every line looks for room. */
    void fleetChanged() {
        lines.values().forEach(line -> {
            if (line.waiting.get() > 0) {
                signal(line);
            }
        });
    }

    private static void signal(Line line) {
        line.lock.lock();
        try {
            line.room.signal();
        } finally {
            line.lock.unlock();
        }
    }

    /** Calls waiting for room, per app; apps with none left out. */
    Map<AppKey, Integer> waiting() {
        Map<AppKey, Integer> counts = new java.util.HashMap<>();
        lines.forEach((app, line) -> {
            int n = line.waiting.get();
            if (n > 0) {
                counts.put(app, n);
            }
        });
        return counts;
    }
}
