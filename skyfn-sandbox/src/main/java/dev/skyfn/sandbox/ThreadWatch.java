package dev.skyfn.sandbox;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds platform threads an invocation started and left running. Each grain instance runs with its
 * own {@link Marker} as context class loader; threads inherit it from the thread that creates them
 * (executors' threads included), which is how a thread is traced to the invocation behind it.
 * Threads started while the app loads (constructors, static initialisers) carry the app's own
 * loader and are not an invocation's leak. Virtual threads cannot be enumerated and are not checked.
 */
final class ThreadWatch {

    private static final ThreadGroup ROOT = root();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadWatch() {
    }

    /** A context class loader that marks threads started by one invocation. */
    static final class Marker extends ClassLoader {
        Marker(ClassLoader app) {
            super(app);
        }
    }

    /**
     * The markers of one app's calls: one a call before used, when one is free, since a class loader
     * costs some 550 bytes and its set-up to make, and every call needs a marker.
     */
    static final class Markers {
        private final ClassLoader app;
        private final java.util.Queue<Marker> free = new java.util.concurrent.ConcurrentLinkedQueue<>();

        Markers(ClassLoader app) {
            this.app = app;
        }

        Marker take() {
            Marker reused = free.poll();
            return reused != null ? reused : new Marker(app);
        }

        /**
         * Takes back the marker of a call that has ended — its thread no longer carries it — for
         * another call, when no platform thread at all was started in this JVM since
         * {@code startedBefore}: then no thread carries it, and it can mark no other call's
         * threads. Otherwise it is dropped. Whether it was taken back.
         */
        boolean giveBack(Marker marker, long startedBefore) {
            return started() == startedBefore && free.offer(marker);
        }
    }

    /** How many platform threads this JVM has started so far; cheap to read. */
    static long started() {
        return THREADS.getTotalStartedThreadCount();
    }

    /**
     * Threads {@code marker} marks that are still alive after waiting up to {@code grace} for them
     * to end. When no platform thread has started since {@code startedBefore} (nearly always),
     * there can be none, and the threads are not even listed.
     */
    static List<Thread> leftRunning(Marker marker, Duration grace, long startedBefore) throws InterruptedException {
        if (started() == startedBefore) {
            return List.of();
        }
        return leftRunning(marker, grace);
    }

    /** Threads {@code marker} marks that are still alive after waiting up to {@code grace} for them to end. */
    static List<Thread> leftRunning(Marker marker, Duration grace) throws InterruptedException {
        Thread[] all = new Thread[ROOT.activeCount() + 16];
        int n = ROOT.enumerate(all, true);
        List<Thread> started = new ArrayList<>(0);
        for (int i = 0; i < n; i++) {
            if (all[i].getContextClassLoader() == marker && all[i] != Thread.currentThread()) {
                started.add(all[i]);
            }
        }
        if (started.isEmpty()) {
            return started;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        List<Thread> alive = new ArrayList<>();
        for (Thread t : started) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Duration.ofNanos(left));
            }
            if (t.isAlive()) {
                alive.add(t);
            }
        }
        return alive;
    }

    private static ThreadGroup root() {
        ThreadGroup g = Thread.currentThread().getThreadGroup();
        while (g.getParent() != null) {
            g = g.getParent();
        }
        return g;
    }
}
