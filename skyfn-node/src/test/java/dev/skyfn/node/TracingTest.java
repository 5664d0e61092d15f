package dev.skyfn.node;

import static dev.skyfn.node.Errors.assertError;
import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Traced;
import dev.skyfn.core.testing.OtlpCollector;
import dev.skyfn.node.tracing.Tracing;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces of calls on a real node exporting to an OTLP collector: the caller's {@code traceparent}
 * is followed through the gateway, the run in a sandbox, and a function's call to another app's
 * function, which each function can read.
 */
@Tag("slow")
class TracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    @TempDir
    static Path dir;
    static OtlpCollector collector;
    static TestNode node;

    @BeforeAll
    static void start() {
        collector = new OtlpCollector();
        node = TestNode.start(TestNode.config(dir).tracing(new Tracing.Export(collector.endpoint(), 1.0)).build(), true);
        for (String app : List.of("front", "back")) {
            var res = node.deploy(JarBuilder.app("app: " + app + "\nfunctions:\n  relay: {handler: dev.skyfn.node.apps.Traced$Relay}\n"
                    + "  parent: {handler: dev.skyfn.node.apps.Traced$Parent}\n"
                    + "  fails: {handler: dev.skyfn.node.apps.Traced$Fails}\n"
                    + "workflows:\n  twice:\n    StartAt: First\n    States:\n"
                    + "      First: {Type: Task, Resource: parent, Next: Second}\n      Second: {Type: Task, Resource: parent, End: true}\n")
                    .classes(Traced.class));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        }
        var events = node.deploy(JarBuilder.app("app: events\nfunctions:\n  hear: {handler: dev.skyfn.node.apps.Traced$Parent, "
                + "triggers: [{topic: traced}]}\n  tick: {handler: dev.skyfn.node.apps.Traced$Parent, triggers: [{schedule: rate(1 second)}]}\n")
                .classes(Traced.class));
        assertThat(events.statusCode()).as(events.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
        collector.close();
    }

    /**
     * Whether the collector holds spans of all these names in the trace, the node's ended spans sent
     * first: a node sends them in batches, in the order they end, and the gateway's ends after its answer.
     */
    private static boolean has(String trace, String... names) {
        node.platform.node().tracing().flush();
        var received = collector.trace(trace).stream().map(OtlpCollector.Received::name).collect(Collectors.toSet());
        return received.containsAll(List.of(names));
    }

    private static HttpResponse<String> relay(String target, String... headers) {
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("Content-Type", "text/plain"), java.util.Arrays.stream(headers))
                .toArray(String[]::new);
        return node.send("POST", "/v1/apps/front/functions/relay:invoke", target.getBytes(StandardCharsets.UTF_8), all);
    }

    @Test
    void aCallersTraceIsFollowedThroughTheGatewayTheSandboxAndACallToAnotherApp() {
        HttpResponse<String> res = relay("back/parent", "traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        String[] seen = res.body().split(" ");
        assertThat(seen).as("each function's traceparent").hasSize(2).allSatisfy(tp -> assertThat(tp).matches("00-" + TRACE + "-[0-9a-f]{16}-01"));

        await().atMost(Duration.ofSeconds(10)).until(() -> has(TRACE, "POST /v1/apps/{app}/functions/{function}:invoke", "invoke front/relay",
                "invoke back/parent"));
        Map<String, OtlpCollector.Received> byName = collector.trace(TRACE).stream()
                .collect(Collectors.toMap(OtlpCollector.Received::name, Function.identity(), (a, b) -> a));
        var server = byName.get("POST /v1/apps/{app}/functions/{function}:invoke");
        var front = byName.get("invoke front/relay");
        var back = byName.get("invoke back/parent");
        assertThat(server).as("the gateway's span, under the caller's").isNotNull();
        assertThat(server.kind()).isEqualTo("SPAN_KIND_SERVER");
        assertThat(server.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(server.attributes()).containsEntry("http.response.status_code", "200");
        assertThat(front.parentSpanId()).isEqualTo(server.spanId());
        assertThat(front.attributes()).containsEntry("faas.invoked_name", "relay").containsEntry("skyfn.app", "front")
                .containsEntry("faas.invocation_id", res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow());
        assertThat(back.parentSpanId()).as("the callee's run, under the caller's").isEqualTo(front.spanId());
        assertThat(back.attributes()).containsEntry("faas.invocation_id", front.attributes().get("faas.invocation_id") + ".1");
        assertThat(seen[0]).as("the relay reads its own span").contains(front.spanId());
        assertThat(seen[1]).as("the callee reads its own span").contains(back.spanId());
        assertThat(server.resource()).containsEntry("service.name", "skyfn").containsEntry("host.name", "skyfn");
    }

    @Test
    void aCallThatWaitsForItsAppToLoadHasTheColdStartAndItsPartsAsSpans() {
        var deployed = node.deploy(JarBuilder.app("app: fresh\nfunctions:\n  parent: {handler: dev.skyfn.node.apps.Traced$Parent}\n")
                .classes(Traced.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        String trace = "9bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> res = node.send("POST", "/v1/apps/fresh/functions/parent:invoke", "?".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
        assertThat(res.headers().firstValue("X-Skyfn-Cold-Start")).hasValue("true");
        await().atMost(Duration.ofSeconds(10)).until(() -> has(trace, "cold start fresh", "invoke fresh/parent", "sandbox taken", "app loaded", "jar opened",
                "classes initialised"));
        var spans = collector.trace(trace);
        var run = spans.stream().filter(s -> s.name().equals("invoke fresh/parent")).findFirst().orElseThrow();
        var cold = spans.stream().filter(s -> s.name().equals("cold start fresh")).findFirst().orElseThrow();
        assertThat(cold.parentSpanId()).isEqualTo(run.spanId());
        assertThat(run.attributes()).containsEntry("faas.coldstart", "true");
        // its parts: a sandbox taken, then the app loaded — the jar opened, then its classes initialised — in that order
        var taken = named(spans, "sandbox taken");
        var loaded = named(spans, "app loaded");
        var jar = named(spans, "jar opened");
        var init = named(spans, "classes initialised");
        assertThat(taken.parentSpanId()).isEqualTo(cold.spanId());
        assertThat(loaded.parentSpanId()).isEqualTo(cold.spanId());
        assertThat(jar.parentSpanId()).isEqualTo(loaded.spanId());
        assertThat(init.parentSpanId()).isEqualTo(loaded.spanId());
        assertThat(taken.endNanos()).isLessThanOrEqualTo(loaded.startNanos());
        assertThat(jar.startNanos()).isGreaterThanOrEqualTo(loaded.startNanos());
        assertThat(jar.endNanos()).isEqualTo(init.startNanos());
        assertThat(init.endNanos()).isEqualTo(loaded.endNanos()).isLessThanOrEqualTo(cold.endNanos());
        assertThat(init.endNanos() - init.startNanos()).as("initialising takes time").isPositive();
    }

    private static OtlpCollector.Received named(java.util.List<OtlpCollector.Received> spans, String name) {
        return spans.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no span " + name));
    }

    @Test
    void aWorkflowExecutionIsASpanWithASpanPerStepUnderTheRequestThatStartedIt() {
        String trace = "5bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> started = node.send("POST", "/v1/apps/back/workflows/twice/executions", "{}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
        assertThat(started.statusCode()).as(started.body()).isIn(200, 201, 202);
        String id = Errors.json(started).get("executionId").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> Errors.json(node.get("/v1/executions/" + id)).get("status").asText().equals("SUCCEEDED"));
        await().atMost(Duration.ofSeconds(10)).until(() -> has(trace, "execution back/twice", "step First", "step Second",
                "POST /v1/apps/{app}/workflows/{workflow}/executions"));
        Map<String, OtlpCollector.Received> byName = collector.trace(trace).stream()
                .collect(Collectors.toMap(OtlpCollector.Received::name, Function.identity(), (a, b) -> a));
        var server = byName.get("POST /v1/apps/{app}/workflows/{workflow}/executions");
        var execution = byName.get("execution back/twice");
        assertThat(server.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(execution.parentSpanId()).isEqualTo(server.spanId());
        assertThat(execution.attributes()).containsEntry("skyfn.execution.id", id);
        for (String state : List.of("First", "Second")) {
            assertThat(byName.get("step " + state)).as(state).isNotNull()
                    .satisfies(s -> assertThat(s.parentSpanId()).isEqualTo(execution.spanId()))
                    .satisfies(s -> assertThat(s.attributes()).containsEntry("skyfn.state.type", "Task"));
        }
    }

    @Test
    void anEventsTriggerRunsItsFunctionInThePublishersTrace() {
        String trace = "6bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> published = node.send("POST", "/v1/topics/traced", "{\"n\": 1}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
        assertThat(published.statusCode()).as(published.body()).isIn(200, 201, 202);
        await().atMost(Duration.ofSeconds(20)).until(() -> has(trace, "invoke events/hear", "deliver events/hear", "POST /v1/topics/{subject}"));
        Map<String, OtlpCollector.Received> byName = collector.trace(trace).stream()
                .collect(Collectors.toMap(OtlpCollector.Received::name, Function.identity(), (a, b) -> a));
        var server = byName.get("POST /v1/topics/{subject}");
        var deliver = byName.get("deliver events/hear");
        assertThat(server.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(deliver.kind()).isEqualTo("SPAN_KIND_CONSUMER");
        assertThat(deliver.parentSpanId()).as("the delivery, under the publication").isEqualTo(server.spanId());
        assertThat(deliver.attributes()).containsEntry("faas.trigger", "pubsub");
        assertThat(byName.get("invoke events/hear").parentSpanId()).isEqualTo(deliver.spanId());
    }

    @Test
    void theNodeKeepsATracesSpansForTheApiWithItsLinksAndTimes() {
        String trace = "8bf92f3577b34da6a3ce929d0e0e4736";
        assertThat(relay("back/parent", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01").statusCode()).isEqualTo(200);
        // the gateway's span ends once its answer is sent
        var spans = await().atMost(Duration.ofSeconds(10)).until(() -> json(node.get("/v1/traces/" + trace)).get("spans"),
                s -> s.findValuesAsText("kind").contains("server"));
        Map<String, com.fasterxml.jackson.databind.JsonNode> byName = new java.util.HashMap<>();
        spans.forEach(s -> byName.put(s.get("name").asText(), s));
        assertThat(byName).containsKeys("invoke front/relay", "invoke back/parent");
        var server = byName.values().stream().filter(s -> s.get("kind").asText().equals("server")).findFirst().orElseThrow();
        var relay = byName.get("invoke front/relay");
        assertThat(server.get("parentSpanId").asText()).isEqualTo(CALLER_SPAN);
        assertThat(relay.get("parentSpanId").asText()).isEqualTo(server.get("spanId").asText());
        assertThat(relay.get("node").asText()).isEqualTo("skyfn");
        assertThat(relay.at("/attributes/faas.invoked_name").asText()).isEqualTo("relay");
        assertThat(relay.get("startMicros").asLong()).isGreaterThanOrEqualTo(server.get("startMicros").asLong());
        assertThat(relay.get("durationMicros").asLong()).isPositive().isLessThanOrEqualTo(server.get("durationMicros").asLong());
        assertThat(spans.findValues("startMicros").stream().map(com.fasterxml.jackson.databind.JsonNode::asLong).toList())
                .as("earliest first").isSorted();
        assertError(node.get("/v1/traces/ffffffffffffffffffffffffffffff01"), 404, "TRACE_NOT_FOUND", "ffffffffffffffffffffffffffffff01");
        assertError(node.get("/v1/traces/not-a-trace"), 400, "BAD_REQUEST", "32 lower-case hex digits");

        // listed among the latest traces, summed up: named by its first call, from the gateway's start to its end
        var latest = json(node.get("/v1/traces"));
        assertThat(latest.get("tracing").asBoolean()).isTrue();
        var listed = java.util.stream.StreamSupport.stream(latest.get("traces").spliterator(), false)
                .filter(t -> t.get("traceId").asText().equals(trace)).findFirst().orElseThrow();
        assertThat(listed.get("name").asText()).isEqualTo("invoke front/relay");
        assertThat(listed.get("apps").toString()).isEqualTo("[\"back\",\"front\"]");
        assertThat(listed.get("spans").asInt()).isEqualTo(spans.size());
        // from the earliest span kept to the last one ended, which need not be the gateway's
        assertThat(listed.get("startMicros").asLong()).isEqualTo(spans.get(0).get("startMicros").asLong());
        assertThat(listed.get("durationMicros").asLong()).as("to the µs each span's times are cut to").isCloseTo(
                java.util.stream.StreamSupport.stream(spans.spliterator(), false).mapToLong(s -> s.get("startMicros").asLong()
                        + s.get("durationMicros").asLong()).max().orElseThrow() - spans.get(0).get("startMicros").asLong(),
                org.assertj.core.data.Offset.offset(1L));
        assertThat(listed.get("nodes").toString()).isEqualTo("[\"skyfn\"]");
        assertThat(listed.get("error").asBoolean()).isFalse();
        assertThat(latest.get("traces").findValues("startMicros").stream().map(com.fasterxml.jackson.databind.JsonNode::asLong).toList())
                .as("latest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(json(node.get("/v1/traces?limit=1")).get("traces")).hasSize(1);
        assertError(node.get("/v1/traces?limit=many"), 400, "BAD_REQUEST", "limit");
    }

    @Test
    void aCallBetweenFunctionsOfOneAppInItsSandboxIsASpanUnderItsCaller() {
        String trace = "5af92f3577b34da6a3ce929d0e0e4736";
        var res = relay("front/parent", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        var spans = await().atMost(Duration.ofSeconds(10)).until(() -> json(node.get("/v1/traces/" + trace)).get("spans"),
                s -> s.findValuesAsText("name").contains("invoke front/parent") && s.findValuesAsText("kind").contains("server"));
        Map<String, com.fasterxml.jackson.databind.JsonNode> byName = new java.util.HashMap<>();
        spans.forEach(s -> byName.put(s.get("name").asText(), s));
        var caller = byName.get("invoke front/relay");
        var callee = byName.get("invoke front/parent");
        assertThat(callee.get("parentSpanId").asText()).isEqualTo(caller.get("spanId").asText());
        assertThat(callee.at("/attributes/skyfn.in_sandbox").asText()).isEqualTo("true");
        assertThat(callee.at("/attributes/skyfn.tenant").asText()).isEqualTo("dev");
        assertThat(callee.get("startMicros").asLong()).isBetween(caller.get("startMicros").asLong(),
                caller.get("startMicros").asLong() + caller.get("durationMicros").asLong());
        assertThat(callee.get("durationMicros").asLong()).isPositive().isLessThanOrEqualTo(caller.get("durationMicros").asLong());
    }

    @Test
    void aScheduleTickStartsATraceItsQueuedRunContinues() {
        var tick = await().atMost(Duration.ofSeconds(20)).until(() -> {
            node.platform.node().tracing().flush();
            return collector.spans().stream().filter(s -> s.name().equals("tick events/tick"))
                    .filter(s -> has(s.traceId(), "async events/tick", "invoke events/tick")).findFirst();
        }, java.util.Optional::isPresent).orElseThrow();
        assertThat(tick.kind()).isEqualTo("SPAN_KIND_PRODUCER");
        assertThat(tick.parentSpanId()).as("a tick starts its own trace").isEmpty();
        assertThat(tick.attributes()).containsEntry("faas.trigger", "timer").containsKey("faas.time");
        var spans = collector.trace(tick.traceId());
        var run = named(spans, "async events/tick");
        assertThat(run.kind()).isEqualTo("SPAN_KIND_CONSUMER");
        assertThat(run.parentSpanId()).as("the run, under its tick").isEqualTo(tick.spanId());
        assertThat(run.attributes()).containsEntry("faas.invocation_id", tick.attributes().get("faas.invocation_id"));
        assertThat(named(spans, "invoke events/tick").parentSpanId()).isEqualTo(run.spanId());
    }

    @Test
    void anAsyncCallRunsInTheTraceOfTheRequestThatQueuedIt() {
        String trace = "7bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> accepted = node.send("POST", "/v1/apps/back/functions/parent:invoke?async=true", "?".getBytes(StandardCharsets.UTF_8),
                "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-01");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> has(trace, "async back/parent", "invoke back/parent"));
        var spans = collector.trace(trace);
        var server = spans.stream().filter(s -> s.parentSpanId().equals(CALLER_SPAN)).findFirst().orElseThrow();
        var run = named(spans, "async back/parent");
        assertThat(run.parentSpanId()).as("the run, under the request that queued it").isEqualTo(server.spanId());
        assertThat(named(spans, "invoke back/parent").parentSpanId()).isEqualTo(run.spanId());
    }

    @Test
    void latenciesOfTracedCallsCarryExemplarsNamingTheirTraces() {
        assertThat(relay("back/parent").statusCode()).isEqualTo(200);
        String metrics = node.send("GET", "/metrics", null, "Accept", "application/openmetrics-text; version=1.0.0").body();
        var exemplar = java.util.regex.Pattern.compile("skyfn_invocation_duration_seconds_bucket\\{[^}]*app=\"front\"[^}]*} \\d+ # \\{span_id=\"([0-9a-f]{16})\",trace_id=\"([0-9a-f]{32})\"}")
                .matcher(metrics);
        assertThat(exemplar.find()).as(metrics.lines().filter(l -> l.contains("front")).limit(20).toList().toString()).isTrue();
        String trace = exemplar.group(2);
        node.platform.node().tracing().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> collector.trace(trace).stream().anyMatch(s -> s.name().equals("invoke front/relay")));
        assertThat(node.get("/metrics").body()).as("Prometheus' text format has no exemplars").doesNotContain("trace_id");
    }

    @Test
    void aTraceTheCallerDoesNotKeepGoesOnUnkeptAndNoSpanOfItIsSent() {
        String trace = "7bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> res = relay("back/parent", "traceparent", "00-" + trace + "-" + CALLER_SPAN + "-00");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body().split(" ")).as("the trace goes on, not kept, into the callee")
                .hasSize(2).allSatisfy(tp -> assertThat(tp).matches("00-" + trace + "-[0-9a-f]{16}-00"));
        // a kept call made after it: once its spans are in, any of the unkept one would be too
        String kept = "8bf92f3577b34da6a3ce929d0e0e4736";
        relay("back/parent", "traceparent", "00-" + kept + "-" + CALLER_SPAN + "-01");
        node.platform.node().tracing().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> collector.trace(kept).stream().anyMatch(s -> s.name().equals("invoke back/parent")));
        assertThat(collector.trace(trace)).isEmpty();
    }

    @Test
    void aCallWithoutATraceStartsOneAndAFailedCallIsMarkedSo() {
        HttpResponse<String> res = relay("back/nothing");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(404);
        String id = res.headers().firstValue("X-Skyfn-Invocation-Id").orElseThrow();
        // the gateway's span ends after its answer is sent: wait for the whole trace
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            node.platform.node().tracing().flush();
            return collector.spans().stream().filter(s -> id.equals(s.attributes().get("faas.invocation_id"))).findFirst()
                    .map(s -> collector.trace(s.traceId()).stream().anyMatch(r -> r.parentSpanId().isEmpty())).orElse(false);
        });
        var failed = collector.spans().stream().filter(s -> id.equals(s.attributes().get("faas.invocation_id"))).findFirst().orElseThrow();
        assertThat(failed.attributes()).containsEntry("skyfn.error.code", "FUNCTION_NOT_FOUND");
        var root = collector.trace(failed.traceId()).stream().filter(s -> s.parentSpanId().isEmpty()).toList();
        assertThat(root).as("a trace of its own, started at the gateway").singleElement()
                .satisfies(s -> assertThat(s.kind()).isEqualTo("SPAN_KIND_SERVER"));
        // a 4xx is the caller's: the gateway's span is not an error; a 5xx is the server's own, and its span is
        var kept = json(node.get("/v1/traces/" + failed.traceId())).get("spans");
        var server = java.util.stream.StreamSupport.stream(kept.spliterator(), false).filter(s -> s.get("kind").asText().equals("server"))
                .findFirst().orElseThrow();
        assertThat(server.at("/attributes/http.response.status_code").asText()).isEqualTo("404");
        assertThat(server.get("error").asBoolean()).isFalse();
        String failing = "c0ffee3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> broken = node.send("POST", "/v1/apps/back/functions/fails:invoke", "x".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain", "traceparent", "00-" + failing + "-" + CALLER_SPAN + "-01");
        assertThat(broken.statusCode()).as(broken.body()).isEqualTo(500);
        var spans = await().atMost(Duration.ofSeconds(10)).until(() -> json(node.get("/v1/traces/" + failing)).get("spans"),
                s -> s.findValuesAsText("kind").contains("server"));
        var failedServer = java.util.stream.StreamSupport.stream(spans.spliterator(), false).filter(s -> s.get("kind").asText().equals("server"))
                .findFirst().orElseThrow();
        assertThat(failedServer.get("error").asBoolean()).isTrue();
        assertThat(java.util.stream.StreamSupport.stream(json(node.get("/v1/traces")).get("traces").spliterator(), false)
                .filter(t -> t.get("traceId").asText().equals(failing)).findFirst().orElseThrow().get("error").asBoolean())
                .as("listed as failed").isTrue();
    }
}
