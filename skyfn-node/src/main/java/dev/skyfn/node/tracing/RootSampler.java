package dev.skyfn.node.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Whether a trace that starts here is kept: the OpenTelemetry SDK's {@code TraceIdRatioBased}
 * rule (a trace is kept when the absolute value of the last 8 bytes of its id, read as a signed
 * long, is below {@code ratio × Long.MAX_VALUE}), except for a root whose parent context says the
 * gateway already drew that decision and kept it ({@link #DECIDED_KEPT}). The gateway draws
 * first so that a trace it does not keep costs it no SDK span (see {@link Tracing#startServer}).
 */
final class RootSampler implements Sampler {

    /** Set in the parent context of a root span the gateway has decided to keep. */
    static final ContextKey<Boolean> DECIDED_KEPT = ContextKey.named("skyfn.trace.kept");

    private final Sampler ratio;

    RootSampler(double ratio) {
        this.ratio = Sampler.traceIdRatioBased(ratio);
    }

    /** The bound {@link #keeps} compares with, for a ratio from 0 to 1: what the SDK's rule computes. */
    static long bound(double ratio) {
        if (ratio == 0) {
            return Long.MIN_VALUE;
        }
        return ratio == 1 ? Long.MAX_VALUE : (long) (ratio * Long.MAX_VALUE);
    }

    /** Whether a trace whose id ends in the 8 bytes {@code randomPart} is kept under {@code bound}. */
    static boolean keeps(long randomPart, long bound) {
        return Math.abs(randomPart) < bound;
    }

    @Override
    public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind, Attributes attributes,
                                       List<LinkData> links) {
        if (Boolean.TRUE.equals(parent.get(DECIDED_KEPT))) {
            return SamplingResult.recordAndSample();
        }
        return ratio.shouldSample(parent, traceId, name, kind, attributes, links);
    }

    @Override
    public String getDescription() {
        return "SkyfnRoot{" + ratio.getDescription() + "}";
    }
}
