package dev.skyfn.node.tracing;

import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * One trace in a list of recent ones, as the spans kept of it show it: what {@code GET /v1/traces}
 * answers per trace, and what the console's Traces page lists.
 *
 * @param traceId       32 lower-case hex digits (W3C Trace Context)
 * @param name          the name of its earliest span that names an app ({@code invoke shop/hello},
 *                      {@code execution shop/wordcount}); of its earliest span when none does
 * @param namedAtMicros when the span giving {@code name} started, epoch µs; 0 when no span names an app
 * @param apps          the apps its spans name
 * @param startMicros   when its earliest span started, epoch µs
 * @param endMicros     when its last span ended, epoch µs
 * @param spans         its spans kept
 * @param error         whether any of them ended in error
 * @param nodes         the nodes that keep them
 * @param clouds        those nodes' clouds
 */
public record TraceSummary(String traceId, String name, long namedAtMicros, SortedSet<String> apps, long startMicros, long endMicros,
                           int spans, boolean error, SortedSet<String> nodes, SortedSet<String> clouds) {

    /** The spans of one trace that {@code node}, in {@code cloud}, keeps, summed up; {@code spans} is not empty. */
    public static TraceSummary of(String node, String cloud, Collection<SpanData> spans) {
        SpanData earliest = spans.stream().min(Comparator.comparingLong(SpanData::getStartEpochNanos)).orElseThrow();
        SpanData named = spans.stream().filter(s -> s.getAttributes().get(Tracing.APP) != null)
                .min(Comparator.comparingLong(SpanData::getStartEpochNanos)).orElse(null);
        SortedSet<String> apps = new TreeSet<>();
        long end = 0;
        boolean error = false;
        for (SpanData s : spans) {
            String app = s.getAttributes().get(Tracing.APP);
            if (app != null) {
                apps.add(app);
            }
            end = Math.max(end, s.getEndEpochNanos());
            error |= s.getStatus().getStatusCode() == StatusCode.ERROR;
        }
        return new TraceSummary(earliest.getTraceId(), (named != null ? named : earliest).getName(),
                named != null ? micros(named.getStartEpochNanos()) : 0, apps, micros(earliest.getStartEpochNanos()), micros(end),
                spans.size(), error, new TreeSet<>(List.of(node)), new TreeSet<>(List.of(cloud)));
    }

    /**
     * This trace and {@code other}, the same trace as another node keeps it, as one: named by the
     * earliest span naming an app on either, spanning both, their spans, nodes and clouds together.
     */
    public TraceSummary merge(TraceSummary other) {
        TraceSummary namer = namedBefore(other) ? this : other;
        return new TraceSummary(traceId, namer.name, namer.namedAtMicros, union(apps, other.apps), Math.min(startMicros, other.startMicros),
                Math.max(endMicros, other.endMicros), spans + other.spans, error || other.error, union(nodes, other.nodes),
                union(clouds, other.clouds));
    }

    /** How long the trace took, from its earliest span's start to its last span's end, µs. */
    public long durationMicros() {
        return endMicros - startMicros;
    }

    private boolean namedBefore(TraceSummary other) {
        if ((namedAtMicros == 0) != (other.namedAtMicros == 0)) {
            return namedAtMicros != 0;
        }
        return namedAtMicros != 0 ? namedAtMicros <= other.namedAtMicros : startMicros <= other.startMicros;
    }

    private static SortedSet<String> union(SortedSet<String> a, SortedSet<String> b) {
        SortedSet<String> both = new TreeSet<>(a);
        both.addAll(b);
        return both;
    }

    private static long micros(long epochNanos) {
        return TimeUnit.NANOSECONDS.toMicros(epochNanos);
    }
}
