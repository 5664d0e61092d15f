package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.Spent;
import dev.skyfn.core.wire.WireCodec;

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

    /**
     * Its payload or error as the sandbox protocol's {@code RESULT} or {@code FAILURE} frame
     * (request id 0, length first; docs/sandbox-protocol.md): how an async invocation's outcome is
     * kept, on a node's disk and in JetStream. {@link #fromFrame} reads it back.
     */
    public byte[] frame() {
        return WireCodec.encode(ok() ? new Message.Result(0, payload) : new Message.Failure(0, error.code().name(), error.message(), error.type()));
    }

    /**
     * The outcome a {@link #frame()} holds, with what the frame does not; IllegalArgumentException
     * when it is neither a {@code RESULT} nor a {@code FAILURE} frame.
     */
    public static Outcome fromFrame(String invocationId, byte[] frame, boolean coldStart, long durationNanos, String node) {
        return switch (WireCodec.decode(frame, 4, frame.length - 4)) {
            case Message.Result r -> new Outcome(invocationId, r.payload(), null, coldStart, durationNanos, node);
            case Message.Failure f -> new Outcome(invocationId, null, new Error(ErrorCode.parse(f.code()), f.message(), f.type()), coldStart,
                    durationNanos, node);
            case Message m -> throw new IllegalArgumentException("an outcome's frame is a result or a failure, not " + m.getClass().getSimpleName());
        };
    }
}
