package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.Payload;

/**
 * How one invocation ended: a payload, or an error with a stable code.
 *
 * @param coldStart whether it had to load its app into a sandbox first
 * @param node      the node of a fleet that ran it, when it matters (null on one machine)
 * @param work      the basic blocks of the app's code it executed, -1 when its app does not count them
 */
public record Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos, String node, long work) {

    public Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos) {
        this(invocationId, payload, error, coldStart, durationNanos, null, -1);
    }

    public Outcome(String invocationId, Payload payload, Error error, boolean coldStart, long durationNanos, String node) {
        this(invocationId, payload, error, coldStart, durationNanos, node, -1);
    }

    /** The same outcome, as run by {@code node}. */
    public Outcome on(String node) {
        return new Outcome(invocationId, payload, error, coldStart, durationNanos, node, work);
    }

    /** A failed invocation's error; {@code type} is the exception class a function threw, if any. */
    public record Error(ErrorCode code, String message, String type) {
    }

    public boolean ok() {
        return error == null;
    }
}
