package dev.skyfn.sandbox;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The CPU time one call's virtual thread spends on its carrier threads (ns). The JDK keeps no CPU
 * time per virtual thread ({@link ThreadMXBean} answers -1 for one), so the call's thread has the
 * task that runs it on a carrier — its {@code runContinuation}, which the JDK hands to the
 * scheduler, or straight to a carrier's pool after a {@code Thread.yield} or a park whose permit
 * came meanwhile — wrapped: each run of the thread, from a mount to the next unmount, is timed on
 * its carrier. CPU time spent by threads the call starts itself is not included.
 *
 * <p>Reading a thread's CPU clock is a system call (1.2–3.6 µs on this project's paravirtualized
 * machines, against 24 ns for the monotonic clock), and a no-op call's runs take less than that.
 * So each carrier keeps a {@link CarrierClock}: a run shorter than {@value #SHORT_RUN_NANOS} ns is
 * charged its length by the monotonic clock — a run the kernel preempted lasts a time slice, far
 * longer — and a longer run is charged from the carrier's CPU clock: what it used since its last
 * read, less what the runs since were charged, and never more than the run's length. A carrier
 * reads its clock before and after any run once {@value #READ_EVERY_NANOS} ns have passed since
 * its last read, so what no measured run accounts for — the scheduler's own work between runs, or
 * threads the app starts itself — is charged to a long run for that window at most. A busy carrier
 * thus reads its clock about a thousand times a second, not once or twice a call: on one CPU shared
 * with its node, a sandbox whose carrier read its clock before each run that followed 50 µs idle
 * read it 0.84 times a call flat out, a tenth of the sandbox's CPU for a no-op call.
 *
 * <p>The task is a private field of the JDK's, not public: the node opens {@code java.lang} to
 * the sandbox ({@code --add-opens}) for it. Where it is not open, or the node meters nothing
 * ({@code -Dskyfn.meterCpu=false}), calls run on plain virtual threads and their CPU time is -1.
 */
final class CallCpu {

    private static final ThreadMXBean CLOCKS = ManagementFactory.getThreadMXBean();
    /** The getter and setter of {@code VirtualThread.runContinuation}; null where the sandbox cannot reach it. */
    private static final MethodHandle TASK;
    private static final MethodHandle SET_TASK;

    static {
        MethodHandle task = null;
        MethodHandle setTask = null;
        if (!"false".equals(System.getProperty("skyfn.meterCpu")) && CLOCKS.isCurrentThreadCpuTimeSupported()) {
            try {
                var field = Class.forName("java.lang.VirtualThread").getDeclaredField("runContinuation");
                field.setAccessible(true);
                task = MethodHandles.lookup().unreflectGetter(field);
                setTask = MethodHandles.lookup().unreflectSetter(field);
                CLOCKS.setThreadCpuTimeEnabled(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not opened to the sandbox: calls go unmeasured
                task = null;
                setTask = null;
            }
        }
        TASK = task;
        SET_TASK = setTask;
    }

    /** A run shorter than this (ns, by the monotonic clock) is charged its length without reading a CPU clock. */
    static final long SHORT_RUN_NANOS = 50_000;
    /** A carrier reads its CPU clock before or after a run when this long (ns) has passed since it last did. */
    static final long READ_EVERY_NANOS = 1_000_000;

    /** Each carrier's clock; carriers are platform threads that run one virtual thread at a time. */
    private static final ThreadLocal<CarrierClock> CARRIERS = ThreadLocal.withInitial(
            () -> new CarrierClock(CLOCKS.getCurrentThreadCpuTime(), System.nanoTime()));

    /** CPU time of the runs that ended (ns); added to by each run as it ends on its carrier. */
    private long ended;
    /** Set when a carrier's CPU clock could not be read during a run: the call's time is unknown (-1). */
    private boolean unknown;
    /**
     * The run going on: its carrier, that carrier's clock, and when it began (monotonic ns) —
     * written by the run's carrier before the run, read by the call's own thread in that run.
     * Two carriers may be in {@link #measured} at once for a moment (one finishing a run that
     * unmounted, the next starting the run after it), so each keeps its own in locals.
     */
    private Thread carrier;
    private CarrierClock clock;
    private long runBegan;
    /** Set once the call's time is read, on the call's own thread: later runs are not the call's. */
    private volatile boolean read;

    private CallCpu() {
    }

    /** Whether calls' CPU time is measured in this sandbox. */
    static boolean measured() {
        return SET_TASK != null;
    }

    /** {@code task} on a new, unstarted virtual thread whose CPU time {@code cpu} measures (null: unmeasured). */
    static Thread unstarted(CallCpu cpu, Runnable task) {
        Thread thread = Thread.ofVirtual().unstarted(task);
        if (cpu != null) {
            try {
                Runnable run = (Runnable) TASK.invoke(thread);
                SET_TASK.invoke(thread, (Runnable) () -> cpu.measured(run));
            } catch (Throwable e) {
                throw new IllegalStateException("the JDK's virtual thread cannot be measured", e);
            }
        }
        return thread;
    }

    /** A meter for one call; null where calls are not measured. */
    static CallCpu forCall() {
        return SET_TASK == null ? null : new CallCpu();
    }

    /** The call's CPU time so far (ns), the run going on included: read on the call's own thread, once, as it ends. */
    long read() {
        read = true;
        Thread on = carrier;
        long now = System.nanoTime();
        long charged = clock.charge(now - runBegan, now, () -> CLOCKS.getThreadCpuTime(on.threadId()));
        synchronized (this) {
            return charged < 0 || unknown ? -1 : ended + charged;
        }
    }

    /** One run of the call's thread, on the carrier calling this. */
    private void measured(Runnable run) {
        if (read) {
            run.run();
            return;
        }
        Thread on = Thread.currentThread();
        CarrierClock mine = CARRIERS.get();
        long began = System.nanoTime();
        mine.begin(began, CLOCKS::getCurrentThreadCpuTime);
        carrier = on;
        clock = mine;
        runBegan = began;
        try {
            run.run();
        } finally {
            if (!read) {
                long now = System.nanoTime();
                long charged = mine.charge(now - began, now, CLOCKS::getCurrentThreadCpuTime);
                synchronized (this) {
                    unknown |= charged < 0;
                    ended += Math.max(0, charged);
                }
            }
        }
    }

    /**
     * One carrier's account of its CPU clock: when it was last read and what runs were charged
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
         * Before a run that begins at {@code now}: when the clock was last read
         * {@value #READ_EVERY_NANOS} ns ago or more, it is read afresh, so that what the carrier
         * did before the last millisecond is never charged to this run.
         */
        void begin(long now, java.util.function.LongSupplier cpuClock) {
            if (now - readAt >= READ_EVERY_NANOS) {
                long cpu = cpuClock.getAsLong();
                if (cpu >= 0) {
                    cpuAtRead = cpu;
                    readAt = now;
                    chargedSince = 0;
                }
            }
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
