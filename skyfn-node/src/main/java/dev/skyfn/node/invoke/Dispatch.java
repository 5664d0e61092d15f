package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;
import java.util.List;

/**
 * Where the invocations a gateway accepts run: on this node (the embedded default), or on the best
 * node of the fleet for the caller's region.
 */
public interface Dispatch {

    /** A function an invocation may run, resolved before the invocation is accepted. */
    interface Target {
        DeployedApp app();

        FunctionSpec spec();
    }

    /** The app, or APP_NOT_FOUND. */
    DeployedApp resolveApp(AppKey key);

    /** The app's function, or APP_NOT_FOUND / FUNCTION_NOT_FOUND. */
    Target resolve(AppKey key, String function);

    /** The app's function {@code name}, or FUNCTION_NOT_FOUND naming those it has. */
    static FunctionSpec function(DeployedApp app, String name) {
        return app.function(name).orElseThrow(() -> new SkyfnException(ErrorCode.FUNCTION_NOT_FOUND, "app " + app.name()
                + " has no function " + name + " (it has: " + String.join(", ", app.manifest().functions().keySet()) + ")"));
    }

    /**
     * Runs one invocation for at most {@code timeout}; a {@code bounded} one is refused when the
     * function's queue is full. {@code region} is where the caller is, when known (else null).
     */
    Outcome dispatch(Target target, Payload input, String invocationId, boolean bounded, Duration timeout, String region);

    /**
     * {@link #dispatch} of an unbounded invocation (it waits for a slot) whose caller does not wait
     * on a thread: where the call can go straight to a warm sandbox of this node, it is sent on the
     * calling thread and its outcome completes the future on the thread that reads the answer;
     * otherwise it runs on a thread of its own. Never blocks the caller beyond sending the call;
     * a call refused (APP_NOT_FOUND, UNAVAILABLE, …) completes with its error as an outcome.
     */
    default java.util.concurrent.CompletableFuture<Outcome> dispatchAsync(Target target, Payload input, String invocationId,
                                                                           Duration timeout) {
        return java.util.concurrent.CompletableFuture.supplyAsync(io.opentelemetry.context.Context.current().wrapSupplier(
                () -> dispatchOrFail(target, new Input(input, invocationId), timeout, null)), Thread.ofVirtual()::start);
    }

    /** One of many invocations of a function made at once. */
    record Input(Payload payload, String invocationId) {
    }

    /**
     * Runs many invocations of one function, unbounded (each waits for a slot, as an async one
     * does), each for at most {@code timeout}; their outcomes in the order of {@code inputs}. Here,
     * each on a thread of its own through {@link #dispatch}; a dispatch that can send them together
     * does.
     */
    default List<Outcome> dispatchEach(Target target, List<Input> inputs, Duration timeout, String region) {
        List<java.util.concurrent.CompletableFuture<Outcome>> running = inputs.stream()
                .map(i -> java.util.concurrent.CompletableFuture.supplyAsync(io.opentelemetry.context.Context.current().wrapSupplier(
                        () -> dispatchOrFail(target, i, timeout, region)), Thread.ofVirtual()::start)).toList();
        return running.stream().map(java.util.concurrent.CompletableFuture::join).toList();
    }

    private Outcome dispatchOrFail(Target target, Input input, Duration timeout, String region) {
        long start = System.nanoTime();
        try {
            return dispatch(target, input.payload(), input.invocationId(), false, timeout, region);
        } catch (SkyfnException e) {
            return new Outcome(input.invocationId(), null, new Outcome.Error(e.code(), e.getMessage(), ""), false, System.nanoTime() - start);
        }
    }
}
