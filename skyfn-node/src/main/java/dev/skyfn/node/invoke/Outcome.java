package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.Payload;

/**
 * How one invocation ended: a payload, or an error with a stable code.
 *
 * @param coldStart whether it had to load its app into a sandbox first
 */
public record Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos) {

    /** A failed invocation's error; {@code type} is the exception class a function threw, if any. */
    public record Error(ErrorCode code, String message, String type) {
    }

    public boolean ok() {
        return error == null;
    }
}
