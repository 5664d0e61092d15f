package dev.skyfn.node.invoke;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.events.Functions;
import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The calls triggers make, through the node's dispatch (the best node of a fleet) and its async
 * queue; each delivery traced as a span of kind CONSUMER under the trace its event was published in.
 */
public final class TriggerCalls implements Functions {

    private final Dispatch dispatch;
    private final Async async;
    private final Predicate<String> handles;
    private final Tracing tracing;
    private static final AttributeKey<String> FAAS_TRIGGER = AttributeKey.stringKey("faas.trigger");
    /** OpenTelemetry's {@code faas.time}: a timer trigger's tick, ISO 8601. */
    private static final AttributeKey<String> FAAS_TIME = AttributeKey.stringKey("faas.time");

    public TriggerCalls(Dispatch dispatch, Async async, Predicate<String> handles, Tracing tracing) {
        this.tracing = tracing;
        this.dispatch = dispatch;
        this.async = async;
        this.handles = handles;
    }

    @Override
    public Result call(AppKey app, String function, Payload input, String invocationId, Duration timeout, String traceparent) {
        if (!tracing.on()) {
            return callNow(app, function, input, invocationId, timeout);
        }
        Span span = tracing.startHandedOver("deliver " + app.app() + "/" + function, SpanKind.CONSUMER, traceparent, invocationId, app)
                .setAttribute(FAAS_TRIGGER, "pubsub");
        try (Scope ignored = span.makeCurrent()) {
            Result r = callNow(app, function, input, invocationId, timeout);
            if (!r.ok()) {
                Tracing.failed(span, r.errorCode(), String.valueOf(r.errorMessage()));
            }
            return r;
        } finally {
            span.end();
        }
    }

    /**
     * Untraced, through the dispatch's {@link Dispatch#dispatchAsync}: straight to a warm sandbox
     * of this node on the calling thread; traced, on a thread of its own as {@link #call} runs it.
     */
    @Override
    public java.util.concurrent.CompletableFuture<Result> callAsync(AppKey app, String function, Payload input, String invocationId,
                                                                    Duration timeout, String traceparent) {
        if (tracing.on()) {
            return Functions.super.callAsync(app, function, input, invocationId, timeout, traceparent);
        }
        try {
            return dispatch.dispatchAsync(dispatch.resolve(app, function), input, invocationId, timeout).thenApply(TriggerCalls::result);
        } catch (dev.skyfn.core.SkyfnException e) {
            return java.util.concurrent.CompletableFuture.completedFuture(new Result(null, e.code().name(), e.getMessage()));
        }
    }

    /** Untraced, sent together wherever the dispatch can ({@link Dispatch#dispatchEach}); traced, each delivery a span of its own. */
    @Override
    public java.util.List<Result> callEach(AppKey app, String function, java.util.List<Call> calls, Duration timeout) {
        if (tracing.on()) {
            return Functions.super.callEach(app, function, calls, timeout);
        }
        java.util.List<Outcome> outcomes;
        try {
            outcomes = dispatch.dispatchEach(dispatch.resolve(app, function),
                    calls.stream().map(c -> new Dispatch.Input(c.input(), c.invocationId())).toList(), timeout, null);
        } catch (dev.skyfn.core.SkyfnException e) {
            return calls.stream().map(c -> new Result(null, e.code().name(), e.getMessage())).toList();
        }
        return outcomes.stream().map(TriggerCalls::result).toList();
    }

    private static Result result(Outcome o) {
        return o.ok() ? new Result(o.payload(), null, null) : new Result(null, o.error().code().name(), o.error().message());
    }

    private Result callNow(AppKey app, String function, Payload input, String invocationId, Duration timeout) {
        try {
            Outcome o = dispatch.dispatch(dispatch.resolve(app, function), input, invocationId, false, timeout, null);
            return result(o);
        } catch (dev.skyfn.core.SkyfnException e) {
            return new Result(null, e.code().name(), e.getMessage());
        }
    }

    @Override
    public void submitOnce(AppKey app, String function, Payload input, String invocationId, java.time.Instant tick) {
        if (!tracing.on()) {
            async.submitOnce(dispatch.resolve(app, function), input, null, invocationId);
            return;
        }
        // a trace of its own per tick, which the async run it queues continues
        Span span = tracing.startHandedOver("tick " + app.app() + "/" + function, SpanKind.PRODUCER, null, invocationId, app)
                .setAttribute(FAAS_TRIGGER, "timer").setAttribute(FAAS_TIME, tick.toString());
        try (Scope ignored = span.makeCurrent()) {
            async.submitOnce(dispatch.resolve(app, function), input, null, invocationId);
        } catch (RuntimeException e) {
            Tracing.failed(span, e instanceof dev.skyfn.core.SkyfnException s ? s.code().name() : "INTERNAL", e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }

    @Override
    public boolean handles(String tenant) {
        return handles.test(tenant);
    }

    /** The events functions publish ({@code ctx.publish}), from {@code /skyfn/<tenant>/<app>}. */
    public record Publishes(dev.skyfn.events.Triggers triggers) implements AppRuntimes.Publisher {

        static final String TYPE = "dev.skyfn.function.v1.published";

        @Override
        public dev.skyfn.core.wire.Message publish(AppKey app, dev.skyfn.core.wire.Message.Data op) {
            try {
                String type = op.expected() == null ? "" : new String(op.expected(), java.nio.charset.StandardCharsets.UTF_8);
                String id = triggers.publish(app.tenant(), op.path(), java.util.Optional.empty(), "/skyfn/" + app.tenant() + "/" + app.app(),
                        TYPE, type.isEmpty() ? null : type, op.key().isEmpty() ? null : op.key(), op.value() == null ? new byte[0] : op.value());
                return new dev.skyfn.core.wire.Message.Result(op.id(), new Payload.Body("text/plain",
                        id.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } catch (dev.skyfn.core.SkyfnException e) {
                return new dev.skyfn.core.wire.Message.Failure(op.id(), e.code().name(), e.getMessage(), "");
            } catch (RuntimeException e) {
                return new dev.skyfn.core.wire.Message.Failure(op.id(), dev.skyfn.core.ErrorCode.UNAVAILABLE.name(),
                        "the event log did not take the event: " + e.getMessage(), "");
            }
        }
    }
}
