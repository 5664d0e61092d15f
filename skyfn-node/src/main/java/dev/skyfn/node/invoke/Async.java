package dev.skyfn.node.invoke;

import dev.skyfn.core.wire.Payload;
import java.util.Optional;

/**
 * Invocations accepted now and run in the background: in this node's memory on one machine
 * ({@link AsyncInvocations}), in a JetStream work queue across a fleet.
 */
public interface Async {

    /** Accepts an invocation of a resolved function from callers in {@code region} (null: unknown); its id answers status queries. */
    String submit(Dispatch.Target target, Payload input, String region);

    /**
     * Accepts an invocation under the id {@code id} unless one of that id was accepted already
     * (then nothing happens): a schedule's tick, fired by several nodes at once, runs once.
     * {@code id} is letters, digits, '-' and '_', at most 64.
     */
    void submitOnce(Dispatch.Target target, Payload input, String region, String id);

    /** The invocation's status, if it belongs to {@code tenant} and is still kept. */
    Optional<AsyncInvocations.Status> get(String tenant, String id);

    /** Invocations this node accepted or is running that have not finished. */
    int pending();

    /**
     * Runs an accepted invocation under a span "async APP/FUNCTION" continuing the trace of the
     * span that accepted it ({@code traceparent}, W3C; empty: none), so that a trace follows a call
     * through its queue; the span ends with the call's error code if it failed.
     */
    static Outcome traced(dev.skyfn.node.tracing.Tracing tracing, String traceparent, Dispatch.Target target, String id,
                          java.util.function.Supplier<Outcome> run) {
        if (!tracing.on()) {
            return run.get();
        }
        io.opentelemetry.api.trace.Span span = tracing.startHandedOver("async " + target.app().name() + "/" + target.spec().name(),
                io.opentelemetry.api.trace.SpanKind.CONSUMER, traceparent, id, target.app().key());
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            Outcome o = run.get();
            if (!o.ok()) {
                dev.skyfn.node.tracing.Tracing.failed(span, o.error().code().name(), o.error().message());
            }
            return o;
        } finally {
            span.end();
        }
    }
}
