package dev.skyfn.node.invoke;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.Spent;

/** What the invoker tells of every call that ran in a sandbox here, once it has ended and before its caller hears. */
@FunctionalInterface
public interface Meter {

    Meter NONE = (app, spec, input, outcome, ranNanos, acrossClouds) -> {
    };

    /**
     * A call ended.
     *
     * @param ranNanos     how long it took from the moment it had a concurrency slot (waiting for a
     *                     sandbox, on a cold start, included) to its answer
     * @param acrossClouds whether its answer goes to a gateway in another cloud (egress)
     */
    void invoked(AppKey app, FunctionSpec spec, Payload input, Outcome outcome, long ranNanos, boolean acrossClouds);

    /**
     * A function ran in a sandbox without the node: called by another function of its app, or as
     * a Task of a workflow ({@code step}), or straight from another sandbox; {@code outcome} is
     * {@code ok} or its error code; {@code spent} what the sandbox measured of it; {@code bytesIn}
     * and {@code bytesOut} the request's and the answer's bodies when they were serialized between
     * two apps (a direct call; bytes), else 0.
     */
    default void ranInSandbox(AppKey app, FunctionSpec spec, String invocationId, boolean step, long nanos, String outcome, Spent spent,
                              long bytesIn, long bytesOut) {
    }
}
