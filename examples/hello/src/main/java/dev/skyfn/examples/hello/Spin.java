package dev.skyfn.examples.hello;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Keeps one CPU busy for the given number of milliseconds of its own CPU time: an invocation that
 * computes, as a report, a transcode or an ETL step does. Time spent waiting for a CPU does not
 * count, so the same call takes longer on a busy machine.
 */
public class Spin implements Handler<Long, String> {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Override
    public String handle(Long millis, Context ctx) {
        long budget = (millis == null ? 0 : millis) * 1_000_000L;
        long start = THREADS.getCurrentThreadCpuTime();
        long x = 1;
        while (THREADS.getCurrentThreadCpuTime() - start < budget && !Thread.currentThread().isInterrupted()) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        return "spun " + millis + " ms (" + Long.toHexString(x) + ")";
    }
}
