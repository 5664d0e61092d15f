package dev.skyfn.node.metrics;

import dev.skyfn.core.app.AppKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.skyfn.node.sandbox.SandboxLauncher;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The node's metrics, exposed at {@code /metrics} in Prometheus' text format. What this node
 * counted of an app (its calls, errors, durations, cold starts, calls in flight and waiting, cost)
 * is labelled {@code tenant}, {@code app} and {@code cloud}, the cloud of this node, so that a
 * fleet's scrapes sum by app and cloud; what the deciding node counts for the whole fleet (an
 * app's replicas, its autoscaler) has no {@code cloud}. {@code skyfn_node_info{node,cloud} 1}
 * names the node and its cloud, as {@code *_info} series do.
 */
public final class NodeMetrics {

    private static final Duration MIN_EXPECTED = Duration.ofNanos(10_000);

    private final PrometheusMeterRegistry registry;
    private final String cloud;
    private final Map<AppKey, Map<String, FunctionMeters>> functions = new ConcurrentHashMap<>();
    private final Map<AppKey, Timer> coldStarts = new ConcurrentHashMap<>();

    /** The metrics of node {@code node} in cloud {@code cloud}, without exemplars. */
    public NodeMetrics(String node, String cloud) {
        this(false, node, cloud);
    }

    /**
     * The metrics of node {@code node} in cloud {@code cloud}; with {@code exemplars} (a node that
     * traces), latencies observed in traced calls carry exemplars naming their trace; without, no
     * histogram observation looks for a span.
     */
    public NodeMetrics(boolean exemplars, String node, String cloud) {
        this.cloud = cloud;
        this.registry = exemplars
                ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new io.prometheus.metrics.model.registry.PrometheusRegistry(),
                        io.micrometer.core.instrument.Clock.SYSTEM, new dev.skyfn.node.tracing.TraceExemplars())
                : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("skyfn.node.info", () -> 1).description("The node's name and the cloud it runs in").tags("node", node, "cloud", cloud)
                .register(registry);
        replicas = MultiGauge.builder("skyfn.app.replicas").description("The app's replicas in the fleet by state, as the deciding node counts them")
                .register(registry);
        autoscaler = List.of(
                autoscalerGauge("desired.replicas", "Replicas the fleet's autoscaler wants the app to have", Scaling::desired),
                autoscalerGauge("actual.replicas", "Replicas the app has, as the fleet's autoscaler counted them", Scaling::actual),
                autoscalerGauge("stable.concurrency", "The app's calls in flight averaged over its stable window", Scaling::stableConcurrency),
                autoscalerGauge("panic.concurrency", "The app's calls in flight averaged over its panic window", Scaling::panicConcurrency),
                autoscalerGauge("target.concurrency", "Calls in flight per replica the autoscaler aims at", Scaling::targetConcurrency),
                autoscalerGauge("panic.mode", "1 while the autoscaler panics for the app (scales on its panic window, never down)",
                        s -> s.panicking() ? 1 : 0));
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

    private final Map<String, Counter> betweenApps = new ConcurrentHashMap<>();

    /**
     * {@code skyfn_calls_between_apps_total{tenant,app,cloud,path}}: calls from a function of another app to
     * {@code callee}, served here, answered through the node ({@code path="node"}) or without it —
     * straight between two sandboxes, or within one both apps share ({@code path="direct"}, counted
     * as the callee's sandbox reports it).
     */
    public void callBetweenApps(AppKey callee, boolean direct) {
        String path = direct ? "direct" : "node";
        betweenApps.computeIfAbsent(callee + "\0" + path, k -> Counter.builder("skyfn.calls.between.apps")
                .description("Calls from a function to another app served here: through the node, or direct between sandboxes")
                .tags(appTags(callee).and("path", path)).register(registry)).increment();
    }

    public void sandboxBooted(Duration took, boolean fromAotCache, SandboxLauncher.Warmth warmth) {
        Timer.builder("skyfn.sandbox.boot").description("Sandbox JVMs from their turn to boot to ready; spares warm up first, sandboxes a call waits for do not")
                .tag("aot_cache", Boolean.toString(fromAotCache)).tag("warm_up", Boolean.toString(warmth == SandboxLauncher.Warmth.WARM))
                .register(registry).record(took);
    }

    /**
     * {@code skyfn_cost_usd_total{tenant,app,cloud}}: what {@code app}'s usage on this node cost so far in
     * US dollars, each record rated at the unit prices of this node's cloud when it ran, as the bill
     * rates it ({@code Bill.cost}); {@code usd} is the running sum.
     */
    public void cost(AppKey app, java.util.concurrent.atomic.DoubleAdder usd) {
        costs.put(app, usd);
        io.micrometer.core.instrument.FunctionCounter.builder("skyfn.cost", usd, java.util.concurrent.atomic.DoubleAdder::sum)
                .description("What the app's usage on this node cost so far, rated at its cloud's prices when it ran").baseUnit("usd")
                .tags(appTags(app)).register(registry);
    }

    private final Map<AppKey, java.util.concurrent.atomic.DoubleAdder> costs = new ConcurrentHashMap<>();

    /** What each app {@code shown} lets through cost so far on this node, US dollars (see {@link #cost}); apps without usage left out. */
    public Map<AppKey, Double> costs(java.util.function.Predicate<AppKey> shown) {
        Map<AppKey, Double> so = new java.util.TreeMap<>(java.util.Comparator.comparing(AppKey::toString));
        costs.forEach((app, usd) -> {
            if (shown.test(app)) {
                so.put(app, usd.sum());
            }
        });
        return so;
    }

    /**
     * What the fleet's autoscaler last decided for each app it follows, while this node decides for
     * the fleet (none otherwise, so that one node at a time reports them), named as Knative's
     * autoscaler names its own: {@code skyfn_autoscaler_desired_replicas} (the replicas it wants)
     * beside {@code skyfn_autoscaler_actual_replicas} (those the app has), the calls in flight per
     * window ({@code skyfn_autoscaler_stable_concurrency}, {@code skyfn_autoscaler_panic_concurrency}),
     * {@code skyfn_autoscaler_target_concurrency} (per replica) and {@code skyfn_autoscaler_panic_mode}
     * (1 while panicking), each labelled {@code tenant} and {@code app}.
     */
    public void autoscaled(Map<AppKey, Scaling> apps) {
        for (AutoscalerGauge g : autoscaler) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            apps.forEach((app, s) -> rows.add(MultiGauge.Row.of(fleetAppTags(app), g.value().applyAsDouble(s))));
            g.gauge().register(rows, true);
        }
    }

    /**
     * {@code skyfn_app_replicas{tenant,app,state}}: each app's replicas by state ({@code ready},
     * {@code pending}, {@code draining}, {@code unreachable}), as the node deciding for the fleet
     * last counted them; none on other nodes (an empty map).
     */
    public void replicas(Map<AppKey, Map<String, Integer>> byApp) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byApp.forEach((app, states) -> states.forEach((state, n) -> rows.add(MultiGauge.Row.of(fleetAppTags(app).and("state", state), n))));
        replicas.register(rows, true);
    }

    /**
     * One app's autoscaling as last decided: replicas wanted and had, calls in flight averaged over
     * the stable and panic windows, the target concurrency per replica, whether it panics.
     */
    public record Scaling(int desired, int actual, double stableConcurrency, double panicConcurrency, int targetConcurrency,
                          boolean panicking) {
    }

    private record AutoscalerGauge(MultiGauge gauge, ToDoubleFunction<Scaling> value) {
    }

    private final List<AutoscalerGauge> autoscaler;
    private final MultiGauge replicas;

    private AutoscalerGauge autoscalerGauge(String name, String description, ToDoubleFunction<Scaling> value) {
        return new AutoscalerGauge(MultiGauge.builder("skyfn.autoscaler." + name).description(description).register(registry), value);
    }

    /** A function's gauges that read its app's runtime on this node. */
    private static final List<String> RUNTIME_GAUGES = List.of("skyfn.queue.depth", "skyfn.invocations.in.flight");

    /** One function's gauges that read {@code runtime}, the app's runtime on this node, until {@link #forgetRuntime}. */
    public <T> void runtimeGauges(AppKey app, String function, T runtime, ToDoubleFunction<T> waiting, ToDoubleFunction<T> running) {
        String[] tags = {"tenant", app.tenant(), "app", app.app(), "cloud", cloud, "function", function};
        gauge(RUNTIME_GAUGES.get(0), "Invocations waiting for a concurrency slot", runtime, waiting, tags);
        gauge(RUNTIME_GAUGES.get(1), "Invocations holding a concurrency slot now: the function's concurrency", runtime, running, tags);
    }

    /**
     * Drops the gauges of {@code app}'s runtime here, gone: they would go on reading it (NaN once it
     * is collected), and a runtime of the app made here again — deployed again, or placed back —
     * could not register its own under the same name and tags.
     */
    public void forgetRuntime(AppKey app) {
        removeRuntimeGauges("tenant", app.tenant(), "app", app.app());
    }

    /** Drops the gauges of {@code function} of {@code app}, a function its new version no longer has. */
    public void forgetRuntime(AppKey app, String function) {
        removeRuntimeGauges("tenant", app.tenant(), "app", app.app(), "function", function);
    }

    private void removeRuntimeGauges(String... tags) {
        for (String name : RUNTIME_GAUGES) {
            registry.find(name).tags(tags).meters().forEach(registry::remove);
        }
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

    /**
     * The metrics in the format {@code accept} asks for: OpenMetrics ({@code application/openmetrics-text},
     * with exemplars linking latencies to traces) or Prometheus text 0.0.4 otherwise.
     */
    public Scraped scrape(String accept) {
        if (accept != null && accept.contains("application/openmetrics-text")) {
            return new Scraped("application/openmetrics-text; version=1.0.0; charset=utf-8", registry.scrape("application/openmetrics-text"));
        }
        return new Scraped("text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }

    /** Metrics as text, and their media type. */
    public record Scraped(String contentType, String text) {
    }

    /**
     * A function's counts on this node since it started, cumulative as Prometheus keeps them, so
     * that a reader taking two makes rates and a window's quantiles from their difference: calls,
     * errors by code, and its call durations as cumulative counts at bucket upper bounds (µs), only
     * the bounds where the count grows. Cold starts are the app's (loaded for a waiting call).
     */
    public record FunctionCounts(AppKey app, String function, long calls, Map<String, Long> errors, List<Bucket> durations,
                                 long coldStarts, double coldStartMs) {
    }

    /** Calls that took at most {@code leMicros}, counted since the node started. */
    public record Bucket(long leMicros, long calls) {
    }

    /** The counts of every function of the apps {@code shown} accepts, by app and function name. */
    public List<FunctionCounts> counts(java.util.function.Predicate<AppKey> shown) {
        List<FunctionCounts> all = new ArrayList<>();
        functions.forEach((app, byName) -> {
            if (!shown.test(app)) {
                return;
            }
            Timer cold = coldStarts.get(app);
            byName.forEach((name, meters) -> all.add(meters.counts(app, name, cold)));
        });
        all.sort(java.util.Comparator.comparing((FunctionCounts c) -> c.app().tenant()).thenComparing(c -> c.app().app())
                .thenComparing(FunctionCounts::function));
        return all;
    }

    /** The labels of what this node counted of {@code app}. */
    private Tags appTags(AppKey app) {
        return Tags.of("tenant", app.tenant(), "app", app.app(), "cloud", cloud);
    }

    /** The labels of what the deciding node counts of {@code app} for the whole fleet, in whichever cloud. */
    private static Tags fleetAppTags(AppKey app) {
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
            // buckets from 10 µs: a warm call takes a tenth of a millisecond, which the default's first bucket (1 ms) hides
            this.duration = Timer.builder("skyfn.invocation.duration").description("Time from request to result")
                    .tags(tags).publishPercentileHistogram().minimumExpectedValue(MIN_EXPECTED).register(registry);
            this.succeeded = counter("ok");
        }

        FunctionCounts counts(AppKey app, String function, Timer cold) {
            HistogramSnapshot snapshot = duration.takeSnapshot();
            List<Bucket> buckets = new ArrayList<>();
            long last = 0;
            for (CountAtBucket b : snapshot.histogramCounts()) {
                long n = (long) b.count();
                if (n > last) {
                    buckets.add(new Bucket((long) Math.ceil(b.bucket(TimeUnit.MICROSECONDS)), n));
                    last = n;
                }
            }
            Map<String, Long> errors = new java.util.TreeMap<>();
            failed.forEach((code, counter) -> errors.put(code, (long) counter.count()));
            return new FunctionCounts(app, function, snapshot.count(), errors, buckets, cold == null ? 0 : cold.count(),
                    cold == null ? 0 : cold.totalTime(TimeUnit.MILLISECONDS));
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
