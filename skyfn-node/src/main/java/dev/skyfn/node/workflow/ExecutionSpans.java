package dev.skyfn.node.workflow;

import dev.skyfn.core.workflow.Step;
import dev.skyfn.core.workflow.StepRecord;
import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The spans of workflow executions run here: one per execution, from its start (under the span of
 * the request that started it) to its end, and one per step under it, from the step's entry to its
 * settling, made from the steps the sandbox reports (their times are the sandbox's). An execution
 * this node resumes or takes over gets a span from then on, the root of a trace of its own.
 */
final class ExecutionSpans {

    private static final AttributeKey<String> EXECUTION = AttributeKey.stringKey("skyfn.execution.id");
    private static final AttributeKey<String> WORKFLOW = AttributeKey.stringKey("skyfn.workflow");
    private static final AttributeKey<String> STATE_TYPE = AttributeKey.stringKey("skyfn.state.type");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("skyfn.step.attempt");

    /** An execution's span, and when each of its steps running now was entered (µs since the epoch). */
    private record Traced(Span span, Map<String, Long> entered) {
    }

    private final Tracing tracing;
    private final Map<String, Traced> running = new ConcurrentHashMap<>();

    ExecutionSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    /** Starts the span of {@code e}, under the current span; nothing when tracing is off. */
    void started(Execution e) {
        if (!tracing.on()) {
            return;
        }
        Span span = tracing.tracer().spanBuilder("execution " + e.app().app() + "/" + e.workflow()).setParent(Context.current())
                .setAttribute(EXECUTION, e.id()).setAttribute(WORKFLOW, e.workflow()).setAttribute(Tracing.APP, e.app().app())
                .setAttribute(Tracing.TENANT, e.app().tenant()).startSpan();
        running.put(e.id(), new Traced(span, new ConcurrentHashMap<>()));
    }

    /** Notes a step: its entry is remembered, its settling (succeeded, failed, waiting) makes its span. */
    void step(Execution e, StepRecord step) {
        if (!tracing.on()) {
            return;
        }
        Traced t = running.get(e.id());
        if (t == null) {
            // resumed or taken over here: its span starts now
            started(e);
            t = running.get(e.id());
        }
        if (step.phase() == Step.Phase.ENTERED) {
            t.entered().put(step.key(), step.atMicros());
            return;
        }
        if (step.phase() == Step.Phase.RETRYING) {
            return;
        }
        long from = t.entered().getOrDefault(step.key(), step.atMicros());
        t.entered().remove(step.key());
        Span span = tracing.tracer().spanBuilder("step " + step.state()).setParent(Context.current().with(t.span()))
                .setStartTimestamp(from, TimeUnit.MICROSECONDS)
                .setAttribute(STATE_TYPE, step.type()).setAttribute(ATTEMPT, (long) step.attempt()).setAttribute(EXECUTION, e.id())
                .setAttribute(Tracing.TENANT, e.app().tenant()).startSpan();
        if (step.phase() == Step.Phase.FAILED) {
            Tracing.failed(span, step.error(), step.cause());
        }
        span.end(Math.max(step.atMicros(), from), TimeUnit.MICROSECONDS);
    }

    /** Ends the span of {@code e} with its status. */
    void ended(Execution e) {
        Traced t = running.remove(e.id());
        if (t == null) {
            return;
        }
        if (e.status() != Execution.Status.SUCCEEDED) {
            t.span().setStatus(StatusCode.ERROR, e.status().name());
        }
        t.span().end();
    }

    /** Drops the span of an execution another node took on, ending it there as this node's part. */
    void forgotten(Execution e) {
        Traced t = running.remove(e.id());
        if (t != null) {
            t.span().end(Instant.now().truncatedTo(ChronoUnit.MICROS));
        }
    }
}
