package dev.skyfn.events;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
     * {@link #call} without a thread waiting for it: a node that can sends the call on the calling
     * thread to a warm sandbox, and whoever reads the answer completes the future; here, on a
     * thread of its own. The caller's thread never waits for the function to run.
     */
    default CompletableFuture<Result> callAsync(AppKey app, String function, Payload input, String invocationId, Duration timeout,
                                                String traceparent) {
        return CompletableFuture.supplyAsync(() -> call(app, function, input, invocationId, timeout, traceparent), Thread.ofVirtual()::start);
    }

    /** One call of many made at once: its input, invocation id and the W3C traceparent it runs under (empty: none). */
    record Call(Payload input, String invocationId, String traceparent) {
    }

    /**
     * Runs many calls of {@code function} at once, each as {@link #call} would run it; their results
     * in the order of {@code calls}. A node that can sends them to a sandbox together.
     */
    default List<Result> callEach(AppKey app, String function, List<Call> calls, Duration timeout) {
        List<CompletableFuture<Result>> running = calls.stream().map(c -> CompletableFuture.supplyAsync(
                () -> call(app, function, c.input(), c.invocationId(), timeout, c.traceparent()), Thread.ofVirtual()::start)).toList();
        return running.stream().map(CompletableFuture::join).toList();
    }

    /**
     * Queues an async invocation of {@code function} with the id {@code invocationId}, unless one of
     * that id was queued already: a tick fired by two nodes at once runs once. {@code tick} is the
     * schedule's tick it is for (a traced node starts the tick's trace with it).
     */
    void submitOnce(AppKey app, String function, Payload input, String invocationId, java.time.Instant tick);

    /** Whether this node may handle {@code tenant}'s events: it holds the key to its data. */
    boolean handles(String tenant);
}
