package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.node.tracing.TraceSummary;
import dev.skyfn.node.tracing.Tracing;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/traces}: the latest traces of which a live node of the fleet still keeps spans,
 * latest first, each summed up across the nodes that keep it ({@link TraceSummary}):
 * {@code {"traces": [{traceId, name, namedAtMicros, apps, startMicros (epoch µs), durationMicros,
 * spans, error, nodes, clouds}], "tracing" (whether this node traces), "unreachable": [nodes]}};
 * {@code limit} 1–500 traces, default 50 (a node answering for itself lists its own latest that
 * many); {@code scope=node} for this node alone. A tenant is listed the traces one of whose spans
 * names it, each summed up from the nodes where one does (and, there, the spans naming no tenant);
 * a node whose part of the trace names no tenant (a publisher's gateway, say) is left out of the
 * summary, though {@code GET /v1/traces/{traceId}} shows its spans. Errors: BAD_REQUEST (a limit
 * not a number).
 *
 * <p>{@code GET /v1/traces/{traceId}}: a trace's spans as every live node of the fleet still keeps
 * them ({@link dev.skyfn.node.tracing.RecentSpans}: a node that traces keeps the last spans of the
 * traces it samples, with or without a collector), merged, earliest first. Answers
 * {@code {"traceId", "spans": [{node, cloud, name, spanId, parentSpanId ("" for a root), kind
 * (server, client, internal, producer, consumer), startMicros (epoch µs), durationMicros, error
 * (the span's status is an error), errorMessage, attributes: {name: value}}], "unreachable":
 * [nodes that did not answer within 5 s]}}; {@code scope=node} for this node alone. A tenant sees
 * the spans naming it ({@code skyfn.tenant}) and those naming no tenant (a gateway's own), and a
 * trace only if one of its spans names it; an operator's key sees every span. Errors: BAD_REQUEST
 * (not 32 lower-case hex digits), TRACE_NOT_FOUND (no span of it kept, or none of the caller's).
 */
public final class TraceApi implements HttpService {

    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final Tracing tracing;
    private final Authenticator auth;
    private final String self;
    private final String cloud;
    private final Elsewhere elsewhere;

    public TraceApi(Tracing tracing, Authenticator auth, String self, String cloud, Elsewhere elsewhere) {
        this.tracing = tracing;
        this.auth = auth;
        this.self = self;
        this.cloud = cloud;
        this.elsewhere = elsewhere;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/v1/traces", this::list);
        rules.get("/v1/traces/{traceId}", this::trace);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        int limit = (int) Math.clamp(Api.queryNumber(req, "limit").orElse((long) DEFAULT_LIMIT), 1, MAX_LIMIT);
        Map<String, TraceSummary> traces = new HashMap<>();
        tracing.recent().byTrace().forEach((traceId, spans) -> {
            List<SpanData> shown = spans.stream().filter(s -> shownTo(caller, s)).toList();
            // a tenant is shown a trace only if one of its spans names the tenant, not one of a gateway's own alone
            if (shown.stream().anyMatch(s -> caller.admin() || caller.tenant().equals(s.getAttributes().get(Tracing.TENANT)))) {
                traces.put(traceId, TraceSummary.of(self, cloud, shown));
            }
        });
        List<String> unreachable = List.of();
        if (!FanOut.nodeOnly(req)) {
            unreachable = FanOut.collect(elsewhere, req, "/v1/traces?scope=node&limit=" + limit, "traces",
                    (node, t) -> traces.merge(t.path("traceId").asText(), summaryFrom(node, t), TraceSummary::merge));
        }
        List<Map<String, Object>> latest = traces.values().stream().sorted(Comparator.comparingLong(TraceSummary::startMicros).reversed())
                .limit(limit).map(TraceApi::view).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("traces", latest);
        body.put("tracing", tracing.on());
        body.put("unreachable", unreachable);
        Api.json(res, 200, body);
    }

    /** Whether {@code caller} sees span {@code s}: an operator every span; a tenant those naming it and those naming no tenant. */
    private static boolean shownTo(Caller caller, SpanData s) {
        String tenant = s.getAttributes().get(Tracing.TENANT);
        return caller.admin() || tenant == null || tenant.equals(caller.tenant());
    }

    private static Map<String, Object> view(TraceSummary t) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("traceId", t.traceId());
        v.put("name", t.name());
        v.put("namedAtMicros", t.namedAtMicros());
        v.put("apps", t.apps());
        v.put("startMicros", t.startMicros());
        v.put("durationMicros", t.durationMicros());
        v.put("spans", t.spans());
        v.put("error", t.error());
        v.put("nodes", t.nodes());
        v.put("clouds", t.clouds());
        return v;
    }

    /** Another node's summary, kept by the node the directory names, whatever name it claims. */
    private static TraceSummary summaryFrom(String node, JsonNode t) {
        long start = t.path("startMicros").asLong();
        return new TraceSummary(t.path("traceId").asText(), t.path("name").asText(), t.path("namedAtMicros").asLong(), texts(t.path("apps")),
                start, start + t.path("durationMicros").asLong(), t.path("spans").asInt(), t.path("error").asBoolean(),
                new TreeSet<>(List.of(node)), texts(t.path("clouds")));
    }

    private static SortedSet<String> texts(JsonNode array) {
        SortedSet<String> texts = new TreeSet<>();
        array.forEach(v -> texts.add(v.asText()));
        return texts;
    }

    private void trace(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        String traceId = req.path().pathParameters().get("traceId");
        if (!TRACE_ID.matcher(traceId).matches() || traceId.equals("0".repeat(32))) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "a trace id is 32 lower-case hex digits, not all zero (W3C Trace Context), not '"
                    + traceId + "'");
        }
        List<Map<String, Object>> spans = new ArrayList<>();
        for (SpanData s : tracing.recent().trace(traceId)) {
            if (shownTo(caller, s)) {
                spans.add(view(s));
            }
        }
        List<String> unreachable = List.of();
        if (!FanOut.nodeOnly(req)) {
            unreachable = FanOut.collect(elsewhere, req, "/v1/traces/" + traceId + "?scope=node", "spans",
                    (node, s) -> spans.add(fromNode(node, s)));
            boolean theirs = spans.stream().anyMatch(s -> caller.admin()
                    || caller.tenant().equals(((Map<?, ?>) s.get("attributes")).get(Tracing.TENANT.getKey())));
            if (!theirs) {
                throw new SkyfnException(ErrorCode.TRACE_NOT_FOUND, "no span of trace " + traceId + " is kept on the nodes that answered"
                        + (caller.admin() ? "" : " for tenant " + caller.tenant()) + " (a node keeps its last spans only"
                        + (tracing.on() ? ")" : "; this node does not trace: start it with --tracing)"));
            }
            spans.sort(Comparator.comparingLong(s -> ((Number) s.get("startMicros")).longValue()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("traceId", traceId);
        body.put("spans", spans);
        body.put("unreachable", unreachable);
        Api.json(res, 200, body);
    }

    private Map<String, Object> view(SpanData s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("node", self);
        v.put("cloud", cloud);
        v.put("name", s.getName());
        v.put("spanId", s.getSpanId());
        v.put("parentSpanId", s.getParentSpanContext().isValid() ? s.getParentSpanId() : "");
        v.put("kind", s.getKind().name().toLowerCase(java.util.Locale.ROOT));
        v.put("startMicros", TimeUnit.NANOSECONDS.toMicros(s.getStartEpochNanos()));
        v.put("durationMicros", TimeUnit.NANOSECONDS.toMicros(s.getEndEpochNanos() - s.getStartEpochNanos()));
        v.put("error", s.getStatus().getStatusCode() == StatusCode.ERROR);
        v.put("errorMessage", s.getStatus().getDescription());
        Map<String, String> attributes = new TreeMap<>();
        s.getAttributes().forEach((k, value) -> attributes.put(k.getKey(), String.valueOf(value)));
        v.put("attributes", attributes);
        return v;
    }

    /** Another node's span, named by the name the directory knows it by, not the one it claims. */
    private static Map<String, Object> fromNode(String node, JsonNode s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("node", node);
        for (String field : List.of("cloud", "name", "spanId", "parentSpanId", "kind")) {
            v.put(field, s.path(field).asText());
        }
        v.put("startMicros", s.path("startMicros").asLong());
        v.put("durationMicros", s.path("durationMicros").asLong());
        v.put("error", s.path("error").asBoolean());
        v.put("errorMessage", s.path("errorMessage").asText());
        Map<String, String> attributes = new TreeMap<>();
        s.path("attributes").properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
        v.put("attributes", attributes);
        return v;
    }
}
