package dev.skyfn.node.tracing;

import io.opentelemetry.api.trace.Span;
import io.prometheus.metrics.tracer.common.SpanContext;

/**
 * The current span, as Prometheus' exemplar sampler asks for it: a latency observed inside a
 * traced call is kept beside its histogram bucket with the call's trace and span ids
 * (OpenMetrics exemplars), so that a spike on a dashboard leads to the traces behind it. Nothing
 * when tracing is off or the call's trace is not kept.
 */
public final class TraceExemplars implements SpanContext {

    @Override
    public String getCurrentTraceId() {
        var span = Span.current().getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    @Override
    public String getCurrentSpanId() {
        var span = Span.current().getSpanContext();
        return span.isValid() ? span.getSpanId() : null;
    }

    @Override
    public boolean isCurrentSpanSampled() {
        return Span.current().getSpanContext().isSampled();
    }

    @Override
    public void markCurrentSpanAsExemplar() {
        Span.current().setAttribute(EXEMPLAR_ATTRIBUTE_NAME, EXEMPLAR_ATTRIBUTE_VALUE);
    }
}
