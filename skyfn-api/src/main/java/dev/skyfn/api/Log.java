package dev.skyfn.api;

/**
 * The invocation's log. Lines go to {@code skyfn logs} tagged with the invocation id, as do
 * lines written to {@code System.out} and {@code System.err}.
 */
public interface Log {

    void debug(String message);

    void info(String message);

    void warn(String message);

    void error(String message);

    /** Logs the message and the stack trace of {@code error}. */
    void error(String message, Throwable error);
}
