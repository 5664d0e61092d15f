package dev.skyfn.sandbox.guard;

/**
 * Thrown where a function tried to end the process. An {@link Error}, so that a function's
 * {@code catch (Exception e)} does not swallow it.
 */
public final class ExitAttempt extends Error {

    private final int status;

    ExitAttempt(String call, int status) {
        super("the function called " + call + "(" + status + ")", null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
