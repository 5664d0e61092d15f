package dev.skyfn.node.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A trace summed up from the spans one node keeps of it, and the summaries of the nodes that keep it merged into one. */
class TraceSummaryTest {

    @Test
    void aNodesSpansOfATraceAreNamedByTheEarliestSpanNamingAnAppAndSpanFromFirstStartToLastEnd() {
        RecentSpans recent = new RecentSpans(16);
        Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
        Span server = tracer.spanBuilder("POST /v1/apps/{app}/functions/{function}:invoke").setStartTimestamp(1_000, TimeUnit.MICROSECONDS)
                .startSpan();
        Context under = Context.root().with(server);
        tracer.spanBuilder("invoke shop/order").setParent(under).setAttribute(Tracing.APP, "shop").setStartTimestamp(1_100, TimeUnit.MICROSECONDS)
                .startSpan().end(1_900, TimeUnit.MICROSECONDS);
        Span failed = tracer.spanBuilder("invoke stock/take").setParent(under).setAttribute(Tracing.APP, "stock")
                .setStartTimestamp(1_200, TimeUnit.MICROSECONDS).startSpan();
        failed.setStatus(StatusCode.ERROR);
        failed.end(1_300, TimeUnit.MICROSECONDS);
        server.end(2_500, TimeUnit.MICROSECONDS);
        tracer.spanBuilder("GET /v1/apps").setStartTimestamp(3_000, TimeUnit.MICROSECONDS).startSpan().end(3_010, TimeUnit.MICROSECONDS);

        var traces = recent.byTrace();
        assertThat(traces).hasSize(2);
        TraceSummary call = TraceSummary.of("n1", "aws-eu", traces.get(server.getSpanContext().getTraceId()));
        assertThat(call.name()).isEqualTo("invoke shop/order");
        assertThat(call.namedAtMicros()).isEqualTo(1_100);
        assertThat(call.apps()).containsExactly("shop", "stock");
        assertThat(call.startMicros()).isEqualTo(1_000);
        assertThat(call.durationMicros()).isEqualTo(1_500);
        assertThat(call.spans()).isEqualTo(3);
        assertThat(call.error()).isTrue();
        assertThat(call.nodes()).containsExactly("n1");
        assertThat(call.clouds()).containsExactly("aws-eu");

        TraceSummary api = traces.values().stream().filter(s -> s.size() == 1).map(s -> TraceSummary.of("n1", "aws-eu", s)).findFirst().orElseThrow();
        assertThat(api.name()).as("no span names an app: named by its earliest").isEqualTo("GET /v1/apps");
        assertThat(api.namedAtMicros()).isZero();
        assertThat(api.apps()).isEmpty();
        assertThat(api.error()).isFalse();
    }

    /** Two nodes' summaries of one trace: named by the earliest span naming an app on either, else by the earlier trace part. */
    @ParameterizedTest
    @CsvSource({
            // first's name, named at, start;  second's;  merged name
            "route a/f, 110, 100, invoke a/f, 200, 190, route a/f",
            "invoke a/f, 200, 190, route a/f, 110, 100, route a/f",
            "POST /v1, 0, 100, invoke a/f, 200, 190, invoke a/f",
            "invoke a/f, 200, 190, POST /v1, 0, 100, invoke a/f",
            "POST /v1, 0, 100, GET /v1, 0, 90, GET /v1",
            "POST /v1, 0, 100, GET /v1, 0, 120, POST /v1",
    })
    void twoNodesSummariesOfATraceMergeIntoOne(String name1, long named1, long start1, String name2, long named2, long start2, String merged) {
        TraceSummary one = new TraceSummary("t", name1, named1, set("a"), start1, start1 + 50, 2, false, set("n1"), set("eu"));
        TraceSummary two = new TraceSummary("t", name2, named2, set("b"), start2, start2 + 500, 3, true, set("n2"), set("us"));
        for (TraceSummary both : List.of(one.merge(two), two.merge(one))) {
            assertThat(both.name()).isEqualTo(merged);
            assertThat(both.startMicros()).isEqualTo(Math.min(start1, start2));
            assertThat(both.endMicros()).isEqualTo(Math.max(start1 + 50, start2 + 500));
            assertThat(both.spans()).isEqualTo(5);
            assertThat(both.error()).isTrue();
            assertThat(both.apps()).containsExactly("a", "b");
            assertThat(both.nodes()).containsExactly("n1", "n2");
            assertThat(both.clouds()).containsExactly("eu", "us");
        }
    }

    private static SortedSet<String> set(String... values) {
        return new TreeSet<>(List.of(values));
    }
}
