package dev.skyfn.sandbox;

import java.util.concurrent.CompletableFuture;

/** Where {@code ctx.invoke} goes: this sandbox's own functions directly, other apps' through the node. */
@FunctionalInterface
interface FunctionCaller {

    /**
     * Calls {@code target} ("fn" or "app/fn") as invocation {@code invocationId} for at most
     * {@code timeoutMillis}, in the trace of {@code traceparent} (empty: none). The future holds the
     * callee's result — the object itself for a local callee, a payload from another app — or fails
     * with a {@code FunctionCallException}.
     */
    CompletableFuture<Object> call(String target, Object input, String invocationId, long timeoutMillis, String traceparent);

    /** For a context that cannot call anything (tests, the warm-up). */
    FunctionCaller NONE = (target, input, id, timeout, traceparent) -> CompletableFuture.failedFuture(
            new dev.skyfn.api.FunctionCallException("FUNCTION_NOT_FOUND", "no functions to call here", ""));
}
