package dev.skyfn.node.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The node's traces: OpenTelemetry spans of the calls it takes, routes and runs, exported in
 * batches over OTLP/HTTP (protobuf, {@code <endpoint>/v1/traces}) when {@link Export} names an
 * endpoint (up to 512 spans an export, at least every 5 s: the SDK's defaults), and the last it
 * ended kept in its memory ({@link RecentSpans}) whenever it traces; nothing at all when it does
 * not (a no-op tracer: no span is made). A trace's context travels as W3C Trace Context
 * ({@code traceparent}, {@code tracestate}): from a caller's HTTP headers, between nodes in the
 * calls they send each other, into the sandbox with each call, and back with the calls its
 * functions make. Sampling is decided where a trace starts (a ratio of
 * trace ids) and followed by every span under it.
 */
public final class Tracing implements AutoCloseable {

    /**
     * Whether the node traces ({@code on}), where its spans go besides its own memory ({@code endpoint},
     * an OTLP/HTTP collector; null: none) and how many traces are kept (0–1).
     */
    public record Export(URI endpoint, double sampleRatio, boolean on) {

        public static final Export OFF = new Export(null, 0, false);

        public Export {
            if (sampleRatio < 0 || sampleRatio > 1) {
                throw new IllegalArgumentException("the sample ratio is a fraction from 0 to 1, not " + sampleRatio);
            }
            if (endpoint != null && !on) {
                throw new IllegalArgumentException("spans exported to " + endpoint + " need tracing on");
            }
        }

        /** Spans exported to {@code endpoint} and kept in the node's memory. */
        public Export(URI endpoint, double sampleRatio) {
            this(endpoint, sampleRatio, endpoint != null);
        }

        /** Spans kept in the node's memory alone, for {@code GET /v1/traces}, {@code GET /v1/traces/{id}} and the console. */
        public static Export kept(double sampleRatio) {
            return new Export(null, sampleRatio, true);
        }
    }

    public static final Tracing OFF = new Tracing(OpenTelemetry.noop(), null, new RecentSpans(1), 0);
    static final String SCOPE = "dev.skyfn.node";
    /** Attribute keys of the OpenTelemetry semantic conventions for FaaS, and skyfn's own. */
    public static final AttributeKey<String> FAAS_INVOKED_NAME = AttributeKey.stringKey("faas.invoked_name");
    public static final AttributeKey<String> FAAS_INVOCATION_ID = AttributeKey.stringKey("faas.invocation_id");
    public static final AttributeKey<Boolean> FAAS_COLDSTART = AttributeKey.booleanKey("faas.coldstart");
    public static final AttributeKey<String> APP = AttributeKey.stringKey("skyfn.app");
    public static final AttributeKey<String> TENANT = AttributeKey.stringKey("skyfn.tenant");
    public static final AttributeKey<String> NODE = AttributeKey.stringKey("skyfn.node");
    public static final AttributeKey<String> CLOUD = AttributeKey.stringKey("skyfn.cloud");
    public static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("skyfn.error.code");

    private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private final OpenTelemetry otel;
    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final RecentSpans recent;
    private final long keepBound;
    private final Context decidedKept = Context.root().with(RootSampler.DECIDED_KEPT, true);

    private Tracing(OpenTelemetry otel, SdkTracerProvider provider, RecentSpans recent, double sampleRatio) {
        this.otel = otel;
        this.provider = provider;
        this.recent = recent;
        this.tracer = otel.getTracer(SCOPE);
        this.keepBound = RootSampler.bound(sampleRatio);
    }

    /** Tracing as {@code export} asks, for the node {@code node} of cloud {@code cloud} (resource attributes of its spans). */
    public static Tracing of(Export export, String node, String cloud) {
        if (!export.on()) {
            return OFF;
        }
        var resource = Resource.getDefault().merge(Resource.create(Attributes.builder()
                .put("service.name", "skyfn")
                .put("service.instance.id", node)
                .put("host.name", node)
                .put(CLOUD, cloud)
                .build()));
        var recent = new RecentSpans(RecentSpans.KEPT);
        var builder = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(new RootSampler(export.sampleRatio())))
                .addSpanProcessor(recent);
        if (export.endpoint() != null) {
            var exporter = OtlpHttpSpanExporter.builder()
                    .setEndpoint(export.endpoint().toString().replaceAll("/+$", "") + "/v1/traces")
                    .setTimeout(Duration.ofSeconds(10))
                    .build();
            // the SDK's batches: each export costs the node about 3 ms of CPU (client, threads, code too rarely run to be
            // compiled), which at 1% of 6,000 calls/s exported every 500 ms was a microsecond a call, 3% of a no-op call
            builder.addSpanProcessor(BatchSpanProcessor.builder(exporter).build());
        }
        var provider = builder.build();
        var sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        return new Tracing(sdk, provider, recent, export.sampleRatio());
    }

    /** The spans this node ended last, of the traces it keeps; none when tracing is off. */
    public RecentSpans recent() {
        return recent;
    }

    public Tracer tracer() {
        return tracer;
    }

    /**
     * Starts a span {@code name} of the given kind for work handed over through a queue or a
     * subscription, child of the span {@code traceparent} names (W3C Trace Context; empty or null:
     * a trace of its own), with the invocation id ({@code faas.invocation_id}), the app and its tenant; one
     * that records nothing when tracing is off or the trace is not kept. The caller makes it
     * current while the work runs and ends it.
     */
    public Span startHandedOver(String name, io.opentelemetry.api.trace.SpanKind kind, String traceparent, String invocationId,
                                dev.skyfn.core.app.AppKey app) {
        if (!on()) {
            return Span.getInvalid();
        }
        var builder = tracer.spanBuilder(name).setSpanKind(kind).setAttribute(FAAS_INVOCATION_ID, invocationId).setAttribute(APP, app.app())
                .setAttribute(TENANT, app.tenant());
        if (traceparent == null || traceparent.isEmpty()) {
            builder.setNoParent();
        } else {
            builder.setParent(extract(traceparent));
        }
        return builder.startSpan();
    }

    /**
     * Starts the span of a request this node serves (kind SERVER, named {@code name}): a child of
     * the span the request's {@code traceparent} names (W3C Trace Context, with its
     * {@code tracestate}; {@code headers}: name in lower case → value or null), or, without one,
     * the root of a trace that starts here, kept at the sampling ratio. A root not kept is no SDK
     * span but a context of random ids ({@link UnkeptTrace}) that the calls under it carry on, not
     * kept: at 1% that is nearly every request, and the SDK's span builder, id encoding and
     * sampler cost the gateway more than the trace gives. The caller makes the span current in
     * {@link Context#root()} and ends it; an invalid span when tracing is off.
     */
    public Span startServer(String name, Function<String, String> headers) {
        if (!on()) {
            return Span.getInvalid();
        }
        if (headers.apply("traceparent") != null) {
            return tracer.spanBuilder(name).setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER).setParent(extract(Context.root(), headers))
                    .startSpan();
        }
        var random = java.util.concurrent.ThreadLocalRandom.current();
        long low = random.nextLong();
        if (RootSampler.keeps(low, keepBound)) {
            return tracer.spanBuilder(name).setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER).setParent(decidedKept).startSpan();
        }
        long high = random.nextLong();
        long span = random.nextLong();
        while (high == 0) {
            high = random.nextLong();
        }
        while (span == 0) {
            span = random.nextLong();
        }
        return Span.wrap(new UnkeptTrace(high, low, span));
    }

    /** Whether spans are made at all. */
    public boolean on() {
        return provider != null;
    }

    /** The context {@code headers} (name → value, lower case) carry, under the current one; the current when they carry none. */
    public Context extract(Function<String, String> headers) {
        return extract(Context.current(), headers);
    }

    private Context extract(Context under, Function<String, String> headers) {
        return otel.getPropagators().getTextMapPropagator().extract(under, headers, HEADERS);
    }

    /** The context a {@code traceparent} names; the current one when it is empty or malformed. */
    public Context extract(String traceparent) {
        if (traceparent == null || traceparent.isEmpty() || !on()) {
            return Context.current();
        }
        return extract(Map.of("traceparent", traceparent)::get);
    }

    /**
     * The {@code traceparent} of the current span (W3C Trace Context, version 00), to send on with a
     * call; empty when there is no valid span (tracing off, or nothing traced here).
     */
    public static String traceparent() {
        return traceparent(Span.current());
    }

    /** The {@code traceparent} of {@code of}; empty when it is not a valid span. */
    public static String traceparent(Span of) {
        SpanContext span = of.getSpanContext();
        if (span instanceof UnkeptTrace unkept) {
            return unkept.traceparent();
        }
        if (!span.isValid()) {
            return "";
        }
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
    }

    /**
     * Whether the current span belongs to a trace that is not kept (sampled out where it began):
     * spans under it would not be kept either, so none is made; its context still goes on.
     */
    public static boolean notKept() {
        return notKept(Span.current());
    }

    /** Whether {@code span} belongs to a trace that is not kept (see {@link #notKept()}). */
    public static boolean notKept(Span span) {
        SpanContext context = span.getSpanContext();
        return context.isValid() && !context.isSampled();
    }

    /** Marks {@code span} failed with skyfn's stable error {@code code} ({@code skyfn.error.code}) and {@code message}. */
    public static void failed(Span span, String code, String message) {
        span.setAttribute(ERROR_CODE, code);
        span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, message);
    }

    /** Sends the spans not yet exported, waiting up to 5 s; then stops. */
    @Override
    public void close() {
        if (provider != null) {
            provider.forceFlush().join(5, TimeUnit.SECONDS);
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    /** Sends the spans ended so far, waiting up to 5 s (for tests and a node stopping). */
    public void flush() {
        if (provider != null) {
            provider.forceFlush().join(5, TimeUnit.SECONDS);
        }
    }
}
