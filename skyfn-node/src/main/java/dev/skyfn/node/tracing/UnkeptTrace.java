package dev.skyfn.node.tracing;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.nio.charset.StandardCharsets;

/**
 * The context of a trace that started here and is not kept: a trace id of two random longs and a
 * span id of one, none of them zero, flags 00 (W3C Trace Context). Its ids are written as hex
 * only when asked for — most calls ask once, for the {@code traceparent} sent to the sandbox —
 * since a trace not kept is nearly every call at a low sampling ratio.
 */
final class UnkeptTrace implements SpanContext {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final long traceHigh;
    private final long traceLow;
    private final long span;
    private String traceparent;

    UnkeptTrace(long traceHigh, long traceLow, long span) {
        if ((traceHigh == 0 && traceLow == 0) || span == 0) {
            throw new IllegalArgumentException("a trace's and a span's ids are never all zeros");
        }
        this.traceHigh = traceHigh;
        this.traceLow = traceLow;
        this.span = span;
    }

    /** {@code 00-<trace id, 32 hex>-<span id, 16 hex>-00}. */
    String traceparent() {
        String t = traceparent;
        if (t == null) {
            byte[] b = new byte[55];
            b[0] = '0';
            b[1] = '0';
            b[2] = '-';
            hex(traceHigh, b, 3);
            hex(traceLow, b, 19);
            b[35] = '-';
            hex(span, b, 36);
            b[52] = '-';
            b[53] = '0';
            b[54] = '0';
            t = traceparent = new String(b, StandardCharsets.ISO_8859_1); // bytes as they are: no check for non-ASCII
        }
        return t;
    }

    private static void hex(long v, byte[] into, int at) {
        for (int i = 15; i >= 0; i--, v >>>= 4) {
            into[at + i] = HEX[(int) (v & 0xf)];
        }
    }

    @Override
    public String getTraceId() {
        return traceparent().substring(3, 35);
    }

    @Override
    public String getSpanId() {
        return traceparent().substring(36, 52);
    }

    @Override
    public TraceFlags getTraceFlags() {
        return TraceFlags.getDefault();
    }

    @Override
    public TraceState getTraceState() {
        return TraceState.getDefault();
    }

    @Override
    public boolean isValid() {
        return true;
    }

    @Override
    public boolean isRemote() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnkeptTrace u && u.traceHigh == traceHigh && u.traceLow == traceLow && u.span == span;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(traceHigh ^ traceLow ^ span);
    }

    @Override
    public String toString() {
        return "UnkeptTrace{" + traceparent() + "}";
    }
}
