package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;

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
}
