package dev.skyfn.node;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's timer thread, for its periodic chores (timing out calls, retiring idle sandboxes,
 * dropping old async results) and one-off deadlines. A chore that throws is logged and runs again
 * next time: an executor would otherwise stop it for good, and calls waiting on it would wait forever.
 */
public final class NodeScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeScheduler.class);

    private final ScheduledThreadPoolExecutor executor = scheduler();

    private static ScheduledThreadPoolExecutor scheduler() {
        var executor = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("node-scheduler").factory());
        // once closing, nothing new starts: chores and deadlines not yet due are dropped
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        return executor;
    }

    public void every(Duration period, String chore, Runnable task) {
        executor.scheduleWithFixedDelay(guarded(chore, task), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void after(Duration delay, String chore, Runnable task) {
        executor.schedule(guarded(chore, task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Runnable guarded(String chore, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("{} failed; it runs again as scheduled", chore, e);
            }
        };
    }

    /**
     * Stops the chores, letting one that runs now finish (a head of the usage ledger being signed
     * must not be interrupted: an interrupted write closes the ledger's file), at most {@link #FINISH}.
     */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(FINISH.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** How long {@link #close} waits for a chore running now. */
    private static final Duration FINISH = Duration.ofSeconds(10);
}
