package dev.skyfn.examples.hello;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.lang.management.ManagementFactory;

/**
 * Computes for about the given number of milliseconds of one CPU: an invocation that computes, as
 * a report, a transcode or an ETL step does. The work is fixed (a number of steps measured once,
 * at the first call in a sandbox, against a platform thread's CPU time — a virtual thread has
 * none), so the same call takes longer on a busy machine, as real work does. Measured then, not
 * when the app loads: the app's other functions' cold starts do not wait 80 ms for it.
 */
public class Spin implements Handler<Long, String> {

    @Override
    public String handle(Long millis, Context ctx) {
        long x = 1;
        long chunks = (millis == null ? 0 : millis) * Calibration.CHUNKS_PER_MS;
        for (long i = 0; i < chunks && !Thread.currentThread().isInterrupted(); i++) {
            x = Work.chunk(x);
        }
        return "spun " + millis + " ms (" + Long.toHexString(x) + ")";
    }

    /** Measured when first asked for: a class's initialisation runs once, and other first calls wait for it. */
    private static final class Calibration {
        static final long CHUNKS_PER_MS = Work.calibrate();
    }

    /** The work, in a class of its own: the thread that measures it must not wait for {@code Spin}'s initialisation. */
    static final class Work {

        private static final int STEPS = 10_000;

        private Work() {
        }

        static long chunk(long x) {
            for (int i = 0; i < STEPS; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            return x;
        }

        /**
         * Chunks of work one millisecond of CPU does here, measured over 50 ms of a platform thread's
         * CPU time (of wall time where the JVM cannot read a thread's CPU time), after 30 ms of warm-up.
         */
        static long calibrate() {
            long[] chunks = new long[2];
            Thread t = Thread.ofPlatform().start(() -> {
                var threads = ManagementFactory.getThreadMXBean();
                java.util.function.LongSupplier clock = threads.isCurrentThreadCpuTimeSupported() && threads.getCurrentThreadCpuTime() >= 0
                        ? threads::getCurrentThreadCpuTime : System::nanoTime;
                long x = 1;
                // compiled first: the interpreter does a tenth of the work in a millisecond
                for (long warm = System.nanoTime(); System.nanoTime() - warm < 30_000_000L; ) {
                    x = chunk(x);
                }
                long start = clock.getAsLong();
                long n = 0;
                while (clock.getAsLong() - start < 50_000_000L) {
                    x = chunk(x);
                    n++;
                }
                chunks[0] = n / 50;
                chunks[1] = x;
            });
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Math.max(1, chunks[0]);
        }
    }
}
