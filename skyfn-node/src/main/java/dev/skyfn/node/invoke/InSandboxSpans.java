package dev.skyfn.node.invoke;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Message;
import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;

/**
 * Calls between the functions of one app, which stay in its sandbox, as spans: the sandbox names
 * the caller's trace, how long the call ran and how it ended in its {@code USAGE} frame, and the
 * node records the span ending as the frame comes. The sandbox mints no span ids, so a call made
 * by such a call is a sibling under the same caller, not its child.
 */
final class InSandboxSpans {

    static final AttributeKey<Boolean> IN_SANDBOX = AttributeKey.booleanKey("skyfn.in_sandbox");

    private InSandboxSpans() {
    }

    static void record(Tracing tracing, AppKey app, String function, Message.Usage usage) {
        Instant end = Instant.now();
        Span span = tracing.tracer().spanBuilder("invoke " + app.app() + "/" + function)
                .setParent(tracing.extract(usage.traceparent())).setStartTimestamp(end.minusNanos(usage.nanos()))
                .setAttribute(Tracing.FAAS_INVOKED_NAME, function).setAttribute(Tracing.FAAS_INVOCATION_ID, usage.invocationId())
                .setAttribute(Tracing.APP, app.app()).setAttribute(Tracing.TENANT, app.tenant()).setAttribute(IN_SANDBOX, true)
                .startSpan();
        if (!usage.outcome().equals("ok")) {
            Tracing.failed(span, usage.outcome(), "the call failed in the sandbox");
        }
        span.end(end);
    }
}
