package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.Documents;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import dev.skyfn.events.Triggers;
import dev.skyfn.node.invoke.Dispatch;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Events over HTTP: {@code POST /v1/topics/{subject}} publishes one to the caller's tenant's
 * subject — the body as its data, or a CloudEvent in the HTTP binding's binary mode ({@code ce-id},
 * {@code ce-type}, {@code ce-source}, {@code ce-partitionkey} headers) or structured mode
 * ({@code application/cloudevents+json}), its extension attributes kept; {@code subject} is the
 * topic and {@code time} when skyfn kept it — and answers {@code 202 {"id", "subject"}}, with
 * {@code "duplicate": true} when an event of that id was published in the last two minutes and
 * this one was dropped;
 * {@code GET /v1/apps/{app}/triggers} lists an app's triggers.
 */
public final class EventApi implements HttpService {

    static final String DEFAULT_TYPE = "dev.skyfn.topic.v1.published";

    private final Triggers triggers;
    private final Dispatch dispatch;
    private final Authenticator auth;
    private final long maxRequestBytes;

    private final dev.skyfn.node.tracing.Tracing tracing;

    public EventApi(Triggers triggers, Dispatch dispatch, Authenticator auth, long maxRequestBytes, dev.skyfn.node.tracing.Tracing tracing) {
        this.tracing = tracing;
        this.triggers = triggers;
        this.dispatch = dispatch;
        this.auth = auth;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/topics/{subject}", ServerSpans.traced(tracing, "/v1/topics/{subject}", this::publish))
                .get("/v1/apps/{app}/triggers", this::list);
    }

    /**
     * The event's extensions with the publication's {@code traceparent} (the CloudEvents Distributed
     * Tracing extension), when it is traced and the event does not carry one already: the
     * functions its triggers call run in the publisher's trace.
     */
    private static Map<String, String> traced(Map<String, String> extensions) {
        String traceparent = dev.skyfn.node.tracing.Tracing.traceparent();
        if (!traceparent.isEmpty()) {
            extensions.putIfAbsent("traceparent", traceparent);
        }
        return extensions;
    }

    private void publish(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        String subject = Api.param(req, "subject");
        byte[] body = Api.body(req, maxRequestBytes, ErrorCode.PAYLOAD_TOO_LARGE);
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        String source = "/skyfn/" + caller.tenant() + "/topics";
        Triggers.Published published;
        if (type != null && type.startsWith("application/cloudevents+json")) {
            JsonNode ce = structured(body);
            text(ce, "specversion").filter(v -> !v.equals("1.0")).ifPresent(v -> {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "specversion '" + v + "' is not taken: CloudEvents 1.0 is");
            });
            if (ce.hasNonNull("data_base64") && ce.hasNonNull("data")) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "the CloudEvent has both 'data' and 'data_base64': one or the other"
                        + " (CloudEvents JSON format, 3.1)");
            }
            ce.properties().stream().filter(f -> !STRUCTURED.contains(f.getKey()) && f.getValue().isContainerNode()).findFirst()
                    .ifPresent(f -> {
                        throw new SkyfnException(ErrorCode.BAD_REQUEST, "the CloudEvent's extension '" + SkyfnException.bounded(f.getKey())
                                + "' is " + (f.getValue().isObject() ? "an object" : "an array") + ": an extension is a string, a number or a boolean");
                    });
            byte[] data = ce.hasNonNull("data_base64") ? base64(ce.get("data_base64").asText())
                    : ce.has("data") ? dataOf(ce.get("data")) : new byte[0];
            String dataType = text(ce, "datacontenttype").orElse(ce.has("data") && !ce.get("data").isTextual() ? "application/json" : null);
            Map<String, String> extensions = new LinkedHashMap<>();
            ce.properties().forEach(f -> {
                if (!STRUCTURED.contains(f.getKey()) && f.getValue().isValueNode() && !f.getValue().isNull()) {
                    extensions.put(f.getKey(), f.getValue().asText());
                }
            });
            published = triggers.publish(caller.tenant(), subject, text(ce, "id"), text(ce, "source").orElse(source),
                    text(ce, "type").orElse(DEFAULT_TYPE), dataType, text(ce, "partitionkey").orElse(null), traced(extensions), data);
        } else {
            header(req, "ce-specversion").filter(v -> !v.equals("1.0")).ifPresent(v -> {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "specversion '" + v + "' is not taken: CloudEvents 1.0 is");
            });
            Map<String, String> extensions = new LinkedHashMap<>();
            req.headers().forEach(h -> {
                String name = h.name().toLowerCase(java.util.Locale.ROOT);
                if (name.startsWith("ce-") && !BINARY.contains(name)) {
                    extensions.put(name.substring(3), h.get());
                }
            });
            published = triggers.publish(caller.tenant(), subject, header(req, "ce-id"), header(req, "ce-source").orElse(source),
                    header(req, "ce-type").orElse(DEFAULT_TYPE), type, header(req, "ce-partitionkey").orElse(null), traced(extensions), body);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", published.id());
        answer.put("subject", subject);
        if (published.duplicate()) {
            answer.put("duplicate", true);
        }
        Api.json(res, 202, answer);
    }

    /** Attributes of a structured event that are not extensions (subject and time are skyfn's: the topic, and when it was kept). */
    private static final java.util.Set<String> STRUCTURED = java.util.Set.of("specversion", "id", "source", "type", "subject", "time",
            "datacontenttype", "dataschema", "data", "data_base64", "partitionkey");
    /** Headers of the binary mode that are not extensions. */
    private static final java.util.Set<String> BINARY = java.util.Set.of("ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject",
            "ce-time", "ce-dataschema", "ce-partitionkey");

    private static byte[] base64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the CloudEvent's data_base64 is not base64: " + e.getMessage());
        }
    }

    private static JsonNode structured(byte[] body) {
        try {
            JsonNode ce = Documents.JSON.readTree(body);
            if (ce == null || !ce.isObject()) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "a structured CloudEvent is a JSON object");
            }
            return ce;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the CloudEvent is not JSON: " + Documents.why(e));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] dataOf(JsonNode data) {
        try {
            return data.isTextual() ? data.asText().getBytes(StandardCharsets.UTF_8) : Documents.JSON.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the CloudEvent's data: " + e.getMessage());
        }
    }

    private static Optional<String> text(JsonNode ce, String field) {
        return ce.hasNonNull(field) ? Optional.of(ce.get(field).asText()) : Optional.empty();
    }

    private static Optional<String> header(ServerRequest req, String name) {
        return req.headers().first(HeaderNames.create(name));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Api.caller(req, auth);
        var app = dispatch.resolveApp(new AppKey(caller.tenant(), Api.param(req, "app")));
        List<Map<String, Object>> views = new ArrayList<>();
        for (Triggers.View v : triggers.list(app)) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("function", v.function());
            view.put("index", v.index());
            view.put("kind", v.kind());
            view.put("spec", v.spec());
            view.put("lastFired", v.lastFired());
            view.put("nextTick", v.nextTick());
            views.add(view);
        }
        Api.json(res, 200, Map.of("app", app.name(), "triggers", views));
    }
}
