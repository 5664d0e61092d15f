package dev.skyfn.control.api;

import dev.skyfn.core.Durations;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.UrlAccess;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** An app as the HTTP API shows it. */
public record AppView(String app, String tenant, int version, String sha256, long sizeBytes, Instant deployedAt,
                      int memoryMb, List<FunctionView> functions, List<WorkflowView> workflows) {

    /** A workflow and its definition as deployed (Amazon States Language JSON). */
    public record WorkflowView(String name, @com.fasterxml.jackson.annotation.JsonRawValue String definition) {
    }

    public record FunctionView(String name, String handler, int memoryMb, String timeout, int concurrency, int queue,
                               String keepWarm, String url, String priority, String invokePath, String functionUrlPath) {
    }

    public static AppView of(DeployedApp app) {
        return new AppView(app.name(), app.tenant(), app.version(), app.sha256(), app.sizeBytes(), app.deployedAt(),
                app.manifest().memoryMb(),
                app.manifest().functions().values().stream().map(fn -> function(app, fn)).toList(),
                app.manifest().workflows().values().stream().map(w -> new WorkflowView(w.name(), w.json())).toList());
    }

    private static FunctionView function(DeployedApp app, FunctionSpec fn) {
        return new FunctionView(fn.name(), fn.handler(), fn.memoryMb(), Durations.format(fn.timeout()), fn.concurrency(),
                fn.queue(), Durations.format(fn.keepWarm()), fn.url().name().toLowerCase(Locale.ROOT),
                fn.priority().name().toLowerCase(Locale.ROOT),
                Paths.invoke(app.name(), fn.name()),
                fn.url() == UrlAccess.OFF ? null : Paths.functionUrl(app.tenant(), app.name(), fn.name()));
    }
}
