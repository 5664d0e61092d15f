package dev.skyfn.node.metrics;

import dev.skyfn.core.app.AppKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.skyfn.node.sandbox.SandboxLauncher;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** The node's metrics, exposed at {@code /metrics} in Prometheus' text format. */
public final class NodeMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<AppKey, Map<String, FunctionMeters>> functions = new ConcurrentHashMap<>();
    private final Map<AppKey, Timer> coldStarts = new ConcurrentHashMap<>();

    public NodeMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** The meters of one function, made once and kept: nothing is looked up per invocation. */
    public FunctionMeters function(AppKey app, String function) {
        Map<String, FunctionMeters> ofApp = functions.get(app);
        if (ofApp == null) {
            ofApp = functions.computeIfAbsent(app, k -> new ConcurrentHashMap<>());
        }
        FunctionMeters meters = ofApp.get(function);
        return meters != null ? meters : ofApp.computeIfAbsent(function, f -> new FunctionMeters(app, f));
    }

    /**
     * Makes the meters of an app deployed here and of its functions before their first call:
     * registering them takes about a millisecond, which a cold start should not pay.
     */
    public void prepare(AppKey app, Iterable<String> functionNames) {
        functionNames.forEach(f -> function(app, f));
        coldStarts(app);
    }

    public void coldStart(AppKey app, Duration took) {
        coldStarts(app).record(took);
    }

    private Timer coldStarts(AppKey app) {
        return coldStarts.computeIfAbsent(app, a -> Timer.builder("skyfn.cold.starts").description("Apps loaded into a sandbox for a waiting call")
                .tags(appTags(a)).register(registry));
    }

    public void sandboxBooted(Duration took, boolean fromAotCache, SandboxLauncher.Warmth warmth) {
        Timer.builder("skyfn.sandbox.boot").description("Sandbox JVMs from their turn to boot to ready; spares warm up first, sandboxes a call waits for do not")
                .tag("aot_cache", Boolean.toString(fromAotCache)).tag("warm_up", Boolean.toString(warmth == SandboxLauncher.Warmth.WARM))
                .register(registry).record(took);
    }

    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder(name, source, value).description(description).tags(tags).register(registry);
    }

    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }

    private static Tags appTags(AppKey app) {
        return Tags.of("tenant", app.tenant(), "app", app.app());
    }

    /** Counters and the latency histogram of one function. */
    public final class FunctionMeters {
        private final Tags tags;
        private final Timer duration;
        private final Counter succeeded;
        private final Map<String, Counter> failed = new ConcurrentHashMap<>();

        FunctionMeters(AppKey app, String function) {
            this.tags = appTags(app).and("function", function);
            this.duration = Timer.builder("skyfn.invocation.duration").description("Time from request to result")
                    .tags(tags).publishPercentileHistogram().register(registry);
            this.succeeded = counter("ok");
        }

        public void record(long nanos, String errorCode) {
            duration.record(Duration.ofNanos(nanos));
            if (errorCode == null) {
                succeeded.increment();
            } else {
                failed.computeIfAbsent(errorCode, this::counter).increment();
            }
        }

        private Counter counter(String outcome) {
            return Counter.builder("skyfn.invocations").description("Invocations by outcome: ok or the error code")
                    .tags(tags.and("outcome", outcome)).register(registry);
        }
    }
}
