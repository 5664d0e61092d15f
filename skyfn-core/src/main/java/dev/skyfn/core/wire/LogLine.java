package dev.skyfn.core.wire;

/**
 * One line a function logged or printed.
 *
 * @param invocationId the invocation that wrote it, or {@code ""} when none did (static initialisers, stray threads)
 * @param function     the function of that invocation, or {@code ""}
 */
public record LogLine(String invocationId, String function, Kind kind, long epochMillis, String text) {

    /** Where the line came from: a level of {@code ctx.log()}, or a standard stream. */
    public enum Kind { DEBUG, INFO, WARN, ERROR, STDOUT, STDERR }
}
