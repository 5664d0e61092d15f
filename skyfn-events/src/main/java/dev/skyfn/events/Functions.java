package dev.skyfn.events;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;

/** What triggers ask of the node they run on: to call a function now, or to queue a call of it once. */
public interface Functions {

    /** How a call ended: its result, or an error with its stable code. */
    record Result(Payload payload, String errorCode, String errorMessage) {
        public boolean ok() {
            return errorCode == null;
        }
    }

    /**
     * Runs {@code function} of {@code app} with {@code input} for at most {@code timeout}, wherever
     * the fleet runs it best, in the trace of {@code traceparent} (W3C Trace Context, the event's
     * {@code traceparent} attribute as the CloudEvents Distributed Tracing extension names it; empty: none).
     */
    Result call(AppKey app, String function, Payload input, String invocationId, Duration timeout, String traceparent);

    /**
     * Queues an async invocation of {@code function} with the id {@code invocationId}, unless one of
     * that id was queued already: a tick fired by two nodes at once runs once.
     */
    void submitOnce(AppKey app, String function, Payload input, String invocationId);

    /** Whether this node may handle {@code tenant}'s events: it holds the key to its data. */
    boolean handles(String tenant);
}
