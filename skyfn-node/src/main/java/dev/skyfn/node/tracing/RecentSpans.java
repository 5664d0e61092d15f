package dev.skyfn.node.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * The last {@value #KEPT} spans this node ended, of the traces it keeps (sampled), in a ring that
 * overwrites the oldest: what {@code GET /v1/traces} and {@code GET /v1/traces/{id}}, and the console's Traces pages, read, with
 * or without a collector. Costs a kept span one slot write; a span sampled out never reaches it.
 */
public final class RecentSpans implements SpanProcessor {

    /** Spans kept per node: a few seconds of a busy node's kept traces, minutes of a quiet one's. */
    static final int KEPT = 8192;

    private final AtomicReferenceArray<SpanData> ring;
    private final AtomicLong written = new AtomicLong();

    RecentSpans(int capacity) {
        this.ring = new AtomicReferenceArray<>(capacity);
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        // only ended spans are kept
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span.getSpanContext().isSampled()) {
            ring.set((int) (written.getAndIncrement() % ring.length()), span.toSpanData());
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    /** The spans of trace {@code traceId} (32 lower-case hex digits) still kept, in the order they ended. */
    public List<SpanData> trace(String traceId) {
        List<SpanData> found = new ArrayList<>();
        forEachKept(s -> {
            if (s.getTraceId().equals(traceId)) {
                found.add(s);
            }
        });
        return found;
    }

    /** The spans still kept, by trace id, each trace's in the order they ended. */
    public Map<String, List<SpanData>> byTrace() {
        Map<String, List<SpanData>> traces = new HashMap<>();
        forEachKept(s -> traces.computeIfAbsent(s.getTraceId(), t -> new ArrayList<>()).add(s));
        return traces;
    }

    /** Hands each span still kept to {@code each}, oldest first. */
    private void forEachKept(Consumer<SpanData> each) {
        long end = written.get();
        for (long i = Math.max(0, end - ring.length()); i < end; i++) {
            SpanData s = ring.get((int) (i % ring.length()));
            if (s != null) {
                each.accept(s);
            }
        }
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
