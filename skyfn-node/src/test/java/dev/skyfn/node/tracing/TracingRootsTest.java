package dev.skyfn.node.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.app.AppKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Traces that start at a node's gateway: kept at the sampling ratio by the SDK's own rule, and,
 * when not kept, a context of their own that calls under them carry on, not kept.
 */
class TracingRootsTest {

    private static final String TRACEPARENT = "00-[0-9a-f]{32}-[0-9a-f]{16}-00";

    /** The gateway's draw decides as the SDK's TraceIdRatioBased sampler does on a trace id ending in the same 8 bytes. */
    @ParameterizedTest
    @CsvSource({
            "0.0, 0", "0.0, 1", "0.0, -9223372036854775808",
            "0.01, 0", "0.01, 92233720368547757", "0.01, 92233720368547758", "0.01, -92233720368547757", "0.01, -92233720368547758",
            "0.01, 9223372036854775807", "0.01, -9223372036854775808",
            "0.5, 4611686018427387903", "0.5, 4611686018427387904", "0.5, -4611686018427387904",
            "1.0, 0", "1.0, 9223372036854775806", "1.0, 9223372036854775807", "1.0, -9223372036854775807", "1.0, -9223372036854775808",
    })
    void theGatewaysDrawKeepsWhatTheSdksRatioRuleKeeps(double ratio, long randomPart) {
        String traceId = "00000000000000ff" + String.format("%016x", randomPart);
        boolean sdk = Sampler.traceIdRatioBased(ratio).shouldSample(Context.root(), traceId, "x", SpanKind.SERVER, Attributes.empty(), List.of())
                .getDecision() == SamplingDecision.RECORD_AND_SAMPLE;
        assertThat(RootSampler.keeps(randomPart, RootSampler.bound(ratio))).isEqualTo(sdk);
    }

    @Test
    void aRequestWithoutATraceAtRatioZeroStartsOneNotKeptThatItsCallsCarryOn() {
        try (Tracing tracing = Tracing.of(Tracing.Export.kept(0), "n1", "local")) {
            Span server = tracing.startServer("POST /x", name -> null);
            assertThat(server.isRecording()).isFalse();
            assertThat(server.getSpanContext().isValid()).isTrue();
            assertThat(server.getSpanContext().isSampled()).isFalse();
            String traceparent;
            try (Scope ignored = Context.root().with(server).makeCurrent()) {
                traceparent = Tracing.traceparent();
                assertThat(Tracing.notKept()).isTrue();
                Span child = tracing.tracer().spanBuilder("invoke").startSpan();
                assertThat(child.isRecording()).as("a span under a trace not kept").isFalse();
                assertThat(child.getSpanContext().getTraceId()).isEqualTo(server.getSpanContext().getTraceId());
            }
            assertThat(traceparent).matches(TRACEPARENT)
                    .isEqualTo("00-" + server.getSpanContext().getTraceId() + "-" + server.getSpanContext().getSpanId() + "-00");
            Span handedOver = tracing.startHandedOver("deliver", SpanKind.CONSUMER, traceparent, "id-1", new AppKey("t", "a"));
            assertThat(handedOver.isRecording()).as("the trace, handed over with its traceparent, stays not kept").isFalse();
            assertThat(handedOver.getSpanContext().getTraceId()).isEqualTo(server.getSpanContext().getTraceId());
            assertThat(tracing.startServer("POST /x", name -> null).getSpanContext().getTraceId())
                    .as("each request a trace of its own").isNotEqualTo(server.getSpanContext().getTraceId());
        }
    }

    @Test
    void aRequestWithoutATraceAtRatioOneStartsOneKeptAsARootServerSpan() {
        try (Tracing tracing = Tracing.of(Tracing.Export.kept(1), "n1", "local")) {
            Span server = tracing.startServer("POST /x", name -> null);
            assertThat(server.isRecording()).isTrue();
            assertThat(server.getSpanContext().isSampled()).isTrue();
            server.end();
            var kept = tracing.recent().trace(server.getSpanContext().getTraceId());
            assertThat(kept).singleElement().satisfies(s -> {
                assertThat(s.getKind()).isEqualTo(SpanKind.SERVER);
                assertThat(s.getParentSpanContext().isValid()).isFalse();
            });
        }
    }

    @Test
    void aCallersTraceparentDecidesWhetherTheRequestsSpanIsKeptWhateverTheRatio() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        try (Tracing never = Tracing.of(Tracing.Export.kept(0), "n1", "local");
             Tracing always = Tracing.of(Tracing.Export.kept(1), "n1", "local")) {
            Map<String, String> kept = new HashMap<>(Map.of("traceparent", "00-" + trace + "-00f067aa0ba902b7-01", "tracestate", "k=v"));
            Span server = never.startServer("POST /x", kept::get);
            assertThat(server.isRecording()).isTrue();
            assertThat(server.getSpanContext().getTraceId()).isEqualTo(trace);
            assertThat(server.getSpanContext().getTraceState().get("k")).isEqualTo("v");
            Span unkept = always.startServer("POST /x", Map.of("traceparent", "00-" + trace + "-00f067aa0ba902b7-00")::get);
            assertThat(unkept.isRecording()).isFalse();
            assertThat(unkept.getSpanContext().getTraceId()).isEqualTo(trace);
        }
    }

    @Test
    void tracingOffStartsNoSpan() {
        assertThat(Tracing.OFF.startServer("POST /x", name -> null).getSpanContext().isValid()).isFalse();
    }

    @Test
    void anUnkeptTracesIdsAreWrittenAsW3cTraceContextSays() {
        var trace = new UnkeptTrace(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0x00f067aa0ba902b7L);
        assertThat(trace.traceparent()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-00");
        assertThat(trace.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(trace.getSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(trace.isSampled()).isFalse();
        assertThatThrownBy(() -> new UnkeptTrace(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UnkeptTrace(1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
