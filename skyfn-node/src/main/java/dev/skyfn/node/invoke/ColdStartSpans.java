package dev.skyfn.node.invoke;

import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Instant;

/**
 * The spans of a cold start a call waited for, under the call's span: "cold start APP" from when
 * the call began to wait until its sandbox was ready, and within it the load's parts — the
 * sandbox taken (a spare, or one booted) or a seat found in a shared one, then the app loaded,
 * itself made of the jar opened and the handlers' classes initialised, as the sandbox measured
 * them (placed at the end of the load, which its answer's trip back follows).
 */
final class ColdStartSpans {

    private ColdStartSpans() {
    }

    static void record(Tracing tracing, dev.skyfn.core.app.AppKey app, Instant waitFrom, AppRuntime.LoadParts parts) {
        Instant now = Instant.now();
        Span cold = tracing.tracer().spanBuilder("cold start " + app.app()).setStartTimestamp(waitFrom)
                .setAttribute(Tracing.APP, app.app()).setAttribute(Tracing.TENANT, app.tenant()).startSpan();
        String tenant = app.tenant();
        if (parts != null) {
            Context under = Context.current().with(cold);
            part(tracing, under, parts.shared() ? "seat in a shared sandbox" : "sandbox taken", parts.begun(), parts.seated(), tenant);
            Span loaded = tracing.tracer().spanBuilder("app loaded").setParent(under).setStartTimestamp(parts.seated())
                    .setAttribute(Tracing.TENANT, tenant).startSpan();
            if (parts.jarNanos() >= 0 && parts.initNanos() >= 0) {
                Context inLoad = under.with(loaded);
                Instant initFrom = parts.answered().minusNanos(parts.initNanos());
                part(tracing, inLoad, "jar opened", initFrom.minusNanos(parts.jarNanos()), initFrom, tenant);
                part(tracing, inLoad, "classes initialised", initFrom, parts.answered(), tenant);
            }
            loaded.end(parts.answered());
        }
        cold.end(now);
    }

    private static void part(Tracing tracing, Context parent, String name, Instant from, Instant to, String tenant) {
        tracing.tracer().spanBuilder(name).setParent(parent).setStartTimestamp(from).setAttribute(Tracing.TENANT, tenant).startSpan().end(to);
    }
}
