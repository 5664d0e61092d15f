package dev.skyfn.api;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * What a function knows about the invocation it is running, and what it can do from there. Methods
 * added in later versions are default methods, so contexts written for tests keep compiling.
 */
public interface Context {

    /**
     * The id of this invocation; every log line and error of it carries the same id. A call made
     * from an invocation gets the caller's id with {@code .n} appended, so ids show who called whom.
     */
    String invocationId();

    String app();

    /**
     * The W3C Trace Context {@code traceparent} of the span this invocation runs in ({@code
     * 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}), to pass to services this function
     * calls so that their spans join the trace; empty when the node does not trace this call.
     * Calls made with {@link #invoke} carry it on by themselves.
     */
    default String traceparent() {
        return "";
    }

    /**
     * A key that stays the same each time the platform runs this piece of work again: a workflow
     * step runs at least once, and again after a crash if its result was not yet backed up. A
     * function with side effects outside skyfn can use the key to make them once.
     */
    default String idempotencyKey() {
        return invocationId();
    }

    String function();

    /** When the platform stops waiting for this invocation. */
    Instant deadline();

    /** Time left until {@link #deadline()}, never negative. */
    Duration remainingTime();

    /** A logger whose lines are tagged with this invocation's id. */
    Log log();

    /**
     * Calls a function and waits for its result: {@code "resize"} for a function of this app (run
     * in this sandbox, handed the input object itself when its type fits), {@code "images/resize"}
     * for one of another app of the same tenant. The callee's deadline is its own timeout, and never
     * later than this invocation's.
     *
     * @param resultType what to map the result to: a JSON-mapped type, {@code String}, {@code byte[]}
     * @throws FunctionCallException when the callee fails, times out or does not exist
     */
    default <O> O invoke(String function, Object input, Class<O> resultType) {
        throw new UnsupportedOperationException("this context cannot call functions");
    }

    /** {@link #invoke} without waiting: the future completes with the result or a {@link FunctionCallException}. */
    default <O> CompletableFuture<O> invokeAsync(String function, Object input, Class<O> resultType) {
        throw new UnsupportedOperationException("this context cannot call functions");
    }

    /**
     * Publishes {@code value} as an event to one of the tenant's subjects ({@code "orders.eu"}:
     * tokens of letters, digits, '-' and '_' separated by dots); functions subscribed to it run.
     * {@code byte[]} goes as it is, a {@code String} as text, anything else as JSON. Returns once the
     * event is kept (in a fleet, in JetStream); the result is the event's id.
     *
     * @throws DataException {@code BAD_REQUEST} for a subject that is not one,
     *                       {@code PAYLOAD_TOO_LARGE} for data over the limit (1 MiB by default),
     *                       {@code UNAVAILABLE} when the event log cannot keep it now. Not caught,
     *                       a refusal of what the function asked ends its call as
     *                       {@code FUNCTION_ERROR}, the refusal's code in the message
     */
    default String publish(String subject, Object value) {
        return publish(subject, null, value);
    }

    /**
     * {@link #publish(String, Object)} with a partition key (the CloudEvents {@code partitionkey}):
     * a subscription ordered by key gets the events of one key in the order published.
     */
    default String publish(String subject, String partitionKey, Object value) {
        throw new UnsupportedOperationException("this context cannot publish events");
    }

    /** The app's state: local to this node, or global and durable. */
    default State state() {
        throw new UnsupportedOperationException("this context has no state");
    }

    /**
     * The tenant's ephemeral namespace at {@code path} (like {@code "/job-42/map"}), created with
     * its parents if absent, with a lease of a minute unless renewed.
     */
    default Namespace ephemeral(String path) {
        throw new UnsupportedOperationException("this context has no ephemeral state");
    }
}
