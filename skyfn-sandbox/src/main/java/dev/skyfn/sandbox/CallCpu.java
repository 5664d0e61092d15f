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
 * JDK's default scheduler, and times it on its carrier. CPU time spent by threads the call starts
 * itself is not included.
 *
 * <p>Reading a thread's CPU clock is a system call (1.2–3.6 µs on this project's paravirtualized
 * machines, against 24 ns for the monotonic clock), and a no-op call's runs take less than that.
 * So each carrier keeps a {@link CarrierClock}: a run shorter than {@value #SHORT_RUN_NANOS} ns is
 * charged its length by the monotonic clock — a run the kernel preempted lasts a time slice, far
 * longer — and a longer run is charged from the carrier's CPU clock: what it used since its last
 * read, less what the runs since were charged, and never more than the run's length. A carrier
 * also reads its clock after any run once {@value #READ_EVERY_NANOS} ns have passed since its last
 * read, so what no run was charged (the scheduler's own work between runs) is never charged more
 * than that window's worth to a long run. A busy carrier thus reads its clock about a thousand
 * times a second, not twice a call.
 *
 * <p>A scheduler per virtual thread is the JDK's own builder, not public: the node opens
 * {@code java.lang} to the sandbox ({@code --add-opens}) for it. Where it is not open, or the node
 * meters nothing ({@code -Dskyfn.meterCpu=false}), calls run on plain virtual threads and their
 * CPU time is -1.
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

    /** A run shorter than this (ns, by the monotonic clock) is charged its length without reading a CPU clock. */
    static final long SHORT_RUN_NANOS = 50_000;
    /** A carrier reads its CPU clock after a run when this long (ns) has passed since it last did. */
    static final long READ_EVERY_NANOS = 1_000_000;

    /** Each carrier's clock; carriers are platform threads that run one virtual thread at a time. */
    private static final ThreadLocal<CarrierClock> CARRIERS = ThreadLocal.withInitial(
            () -> new CarrierClock(CLOCKS.getCurrentThreadCpuTime(), System.nanoTime()));

    /** CPU time of the runs that ended (ns); each run adds to it on its carrier, one at a time. */
    private long ended;
    /** The carrier of the run going on, its clock, and when the run began (monotonic ns). */
    private Thread carrier;
    private CarrierClock clock;
    private long runBegan;
    /** Set once the call's time is read, on the call's own thread: later runs are not the call's. */
    private boolean read;
    /** Set when a carrier's CPU clock could not be read during a run: the call's time is unknown (-1). */
    private boolean unknown;

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
        Thread on = carrier;
        long now = System.nanoTime();
        long charged = clock.charge(now - runBegan, now, () -> CLOCKS.getThreadCpuTime(on.threadId()));
        return charged < 0 || unknown ? -1 : ended + charged;
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
            clock = CARRIERS.get();
            runBegan = System.nanoTime();
            try {
                run.run();
            } finally {
                if (!read) {
                    long now = System.nanoTime();
                    long charged = clock.charge(now - runBegan, now, CLOCKS::getCurrentThreadCpuTime);
                    unknown |= charged < 0;
                    ended += Math.max(0, charged);
                }
            }
        });
    }

    /**
     * One carrier's account of its CPU clock: when it was last read, and what runs were charged
     * since. Used by its carrier alone (or by the call mounted on it), one run at a time.
     */
    static final class CarrierClock {
        private long cpuAtRead;
        private long readAt;
        private long chargedSince;

        /** A carrier whose CPU clock read {@code cpu} ns at monotonic time {@code now} (ns). */
        CarrierClock(long cpu, long now) {
            cpuAtRead = cpu;
            readAt = now;
        }

        /**
         * What to charge a run of {@code length} ns that ends at {@code now} (monotonic ns):
         * {@code length} when it is short and the clock was read recently; otherwise the CPU
         * time {@code cpuClock} says the carrier used since its last read less what was charged
         * since, between 0 and {@code length}. -1 when the carrier's clock cannot be read.
         */
        long charge(long length, long now, java.util.function.LongSupplier cpuClock) {
            if (length < SHORT_RUN_NANOS && now - readAt < READ_EVERY_NANOS) {
                chargedSince += length;
                return length;
            }
            long cpu = cpuClock.getAsLong();
            if (cpu < 0) {
                return -1;
            }
            long charged = Math.clamp(cpu - cpuAtRead - chargedSince, 0, Math.max(0, length));
            cpuAtRead = cpu;
            readAt = now;
            chargedSince = 0;
            return charged;
        }
    }
}
