package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.Spent;

/**
 * How one invocation ended: a payload, or an error with a stable code.
 *
 * @param coldStart whether it had to load its app into a sandbox first
 * @param node      the node of a fleet that ran it, when it matters (null on one machine)
 * @param spent     what it spent in its sandbox, as the sandbox measured it
 */
public record Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos, String node, Spent spent) {

    public Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos) {
        this(invocationId, payload, error, coldStart, durationNanos, null, Spent.UNKNOWN);
    }

    public Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos, String node) {
        this(invocationId, payload, error, coldStart, durationNanos, node, Spent.UNKNOWN);
    }

    /** The same outcome, as run by {@code node}. */
    public Outcome on(String node) {
        return new Outcome(invocationId, payload, error, coldStart, durationNanos, node, spent);
    }

    /** A failed invocation's error; {@code type} is the exception class a function threw, if any. */
    public record Error(ErrorCode code, String message, String type) {
    }

    public boolean ok() {
        return error == null;
    }
}
