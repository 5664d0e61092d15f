package dev.skyfn.sandbox;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.Executor;

/**
 * The CPU time one call's virtual thread spends on its carrier threads (ns). The JDK keeps no CPU
 * time per virtual thread ({@link ThreadMXBean} answers -1 for one), so the call's thread gets a
 * scheduler of its own: it hands each run of the thread — from a mount to the next unmount — to the
 * JDK's default scheduler, and reads the carrier's CPU clock around it. CPU time spent by threads
 * the call starts itself is not included.
 *
 * <p>A scheduler per virtual thread is the JDK's own builder, not public: the node opens
 * {@code java.lang} to the sandbox ({@code --add-opens}) for it. Where it is not open, or the node
 * meters nothing ({@code -Dskyfn.meterCpu=false}), calls run on plain virtual threads and their
 * CPU time is -1. Each read of a CPU clock is a system call (about 0.5 µs here): a call that never
 * blocks costs two.
 */
final class CallCpu implements Executor {

    private static final ThreadMXBean CLOCKS = ManagementFactory.getThreadMXBean();
    private static final Executor SCHEDULER;
    private static final MethodHandle BUILDER;

    static {
        Executor scheduler = null;
        MethodHandle builder = null;
        if (!"false".equals(System.getProperty("skyfn.meterCpu")) && CLOCKS.isCurrentThreadCpuTimeSupported()) {
            try {
                var defaultScheduler = Class.forName("java.lang.VirtualThread").getDeclaredMethod("defaultScheduler");
                defaultScheduler.setAccessible(true);
                var constructor = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder").getDeclaredConstructor(Executor.class);
                constructor.setAccessible(true);
                scheduler = (Executor) defaultScheduler.invoke(null);
                builder = MethodHandles.lookup().unreflectConstructor(constructor);
                CLOCKS.setThreadCpuTimeEnabled(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not opened to the sandbox: calls go unmeasured
                scheduler = null;
                builder = null;
            }
        }
        SCHEDULER = scheduler;
        BUILDER = builder;
    }

    /** CPU time of the runs that ended (ns); each run adds to it on its carrier, one at a time. */
    private long ended;
    /** The carrier of the run going on, and its CPU clock when the run began. */
    private Thread carrier;
    private long runBegan;
    /** Set once the call's time is read, on the call's own thread: later runs need no clock. */
    private boolean read;

    private CallCpu() {
    }

    /** Whether calls' CPU time is measured in this sandbox. */
    static boolean measured() {
        return BUILDER != null;
    }

    /** {@code task} on a new, unstarted virtual thread whose CPU time {@code cpu} measures (null: unmeasured). */
    static Thread unstarted(CallCpu cpu, Runnable task) {
        if (cpu == null) {
            return Thread.ofVirtual().unstarted(task);
        }
        try {
            return ((Thread.Builder) BUILDER.invoke(cpu)).unstarted(task);
        } catch (Throwable e) {
            throw new IllegalStateException("the JDK's builder of virtual threads failed", e);
        }
    }

    /** A meter for one call; null where calls are not measured. */
    static CallCpu forCall() {
        return BUILDER == null ? null : new CallCpu();
    }

    /** The call's CPU time so far (ns), the run going on included: read on the call's own thread, once, as it ends. */
    long read() {
        read = true;
        long now = CLOCKS.getThreadCpuTime(carrier.threadId());
        return now < 0 ? -1 : ended + now - runBegan;
    }

    /** The JDK gives each run of the call's virtual thread here, to run on a carrier. */
    @Override
    public void execute(Runnable run) {
        SCHEDULER.execute(() -> {
            if (read) {
                run.run();
                return;
            }
            carrier = Thread.currentThread();
            runBegan = CLOCKS.getCurrentThreadCpuTime();
            try {
                run.run();
            } finally {
                if (!read) {
                    ended += CLOCKS.getCurrentThreadCpuTime() - runBegan;
                }
            }
        });
    }
}
