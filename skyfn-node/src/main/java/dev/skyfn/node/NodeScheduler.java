package dev.skyfn.node;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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

    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("node-scheduler").factory());

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

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
