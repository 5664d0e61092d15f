package dev.skyfn.bench;

import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What tracing costs a request whose trace is not kept, the node tracing 1% of new traces: its
 * server span started as the gateway starts it (the caller sent no {@code traceparent}: the
 * propagator finds none, the sampler drops the new trace), made current while the call runs, its
 * {@code traceparent} written for the sandbox, and ended; {@code off} is the same on a node that
 * does not trace.
 *
 * <p>Run: {@code bench/run jmh TraceStartBench -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class TraceStartBench {

    private static final String NAME = "POST /v1/apps/{app}/functions/{function}:invoke";
    private static final Function<String, String> NO_TRACEPARENT = name -> null;

    private Tracing tracing;

    @Setup
    public void setUp() {
        tracing = Tracing.of(Tracing.Export.kept(0.01), "n1", "c1");
    }

    @TearDown
    public void tearDown() {
        tracing.close();
    }

    @Benchmark
    public String notKept() {
        return run(tracing.startServer(NAME, NO_TRACEPARENT));
    }

    /** The same through the SDK's span builder, as the gateway started every request's span before 2026-12-07. */
    @Benchmark
    public String notKeptSdkSpan() {
        return run(tracing.tracer().spanBuilder(NAME).setSpanKind(SpanKind.SERVER).setParent(tracing.extract(NO_TRACEPARENT)).startSpan());
    }

    @Benchmark
    public String off() {
        return run(Span.getInvalid());
    }

    private static String run(Span span) {
        try (Scope ignored = Context.root().with(span).makeCurrent()) {
            return Tracing.traceparent();
        } finally {
            span.end();
        }
    }
}
