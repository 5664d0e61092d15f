package dev.skyfn.billing;

import java.io.IOException;

/**
 * Runs I/O on a file channel the ledger keeps open with the calling thread's interrupt put aside
 * and given back after: an interrupted thread's blocking channel call closes the channel for every
 * thread (ClosedByInterruptException), and the ledger is written by whichever thread meters a
 * call — a request's, which may be interrupted when its call is cancelled or the node stops.
 */
final class Uninterrupted {

    /** A channel call. */
    @FunctionalInterface
    interface Io<T> {
        T run() throws IOException;
    }

    private Uninterrupted() {
    }

    /** Waits for {@code thread} to end, an interrupt meanwhile put aside and given back after. */
    static void join(Thread thread) {
        dev.skyfn.core.Uninterruptibly.waitFor(() -> {
            thread.join();
            return null;
        });
    }

    /** Waits for {@code latch} to open, an interrupt meanwhile put aside and given back after. */
    static void await(java.util.concurrent.CountDownLatch latch) {
        dev.skyfn.core.Uninterruptibly.waitFor(() -> {
            latch.await();
            return null;
        });
    }

    static <T> T call(Io<T> io) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return io.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
