package dev.skyfn.core;

/**
 * Waits that an interrupt does not cut short: the interrupt is put aside and given back once the
 * wait is over. For a thread that must see a wait through — a process it started would otherwise
 * be nobody's, a file left half closed — and still tell its own caller it was interrupted.
 */
public final class Uninterruptibly {

    /** A wait that an interrupt ends early; it may fail with {@code E} too. */
    @FunctionalInterface
    public interface Wait<T, E extends Exception> {
        T run() throws InterruptedException, E;
    }

    private Uninterruptibly() {
    }

    /** What {@code wait} gives once it has given it, however often the thread is interrupted meanwhile. */
    public static <T, E extends Exception> T waitFor(Wait<T, E> wait) throws E {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return wait.run();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
