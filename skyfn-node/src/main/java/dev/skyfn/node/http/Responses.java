package dev.skyfn.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.api.HttpResponse;
import dev.skyfn.control.Json;
import dev.skyfn.control.api.Api;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.invoke.Outcome;
import dev.skyfn.core.ErrorCode;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Writes invocation outcomes as HTTP responses, and as JSON for status queries. */
final class Responses {

    static final String COLD_START = "X-Skyfn-Cold-Start";
    /** Headers the server sets itself; a function's own values for them are dropped. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "transfer-encoding",
            "keep-alive", "upgrade", "te", "trailer");

    private Responses() {
    }

    /** The node of a fleet that ran the call. */
    static final io.helidon.http.HeaderName NODE = HeaderNames.create("X-Skyfn-Node");

    /**
     * Asks for a failed call's error in AWS Lambda's shape, {@code {"errorMessage", "errorType"}},
     * rather than skyfn's {@code {"error": {"code", "message", "type"}}}: what a client written
     * against Lambda's Invoke API reads. The HTTP status and the invocation id are skyfn's either way.
     */
    static final io.helidon.http.HeaderName ERROR_SHAPE = HeaderNames.create("X-Skyfn-Error-Shape");

    /** The function's result as the response: its body and media type, or its whole HTTP response. */
    static void send(ServerResponse res, Outcome outcome) {
        send(res, outcome, false);
    }

    /** {@link #send(ServerResponse, Outcome)}, a failure in Lambda's shape when {@code lambdaErrors} ({@link #ERROR_SHAPE}). */
    static void send(ServerResponse res, Outcome outcome, boolean lambdaErrors) {
        res.header(Api.INVOCATION_ID, outcome.invocationId());
        if (outcome.node() != null) {
            res.header(NODE, outcome.node());
        }
        if (outcome.coldStart()) {
            res.header(COLD_START, "true");
        }
        if (!outcome.ok()) {
            Outcome.Error e = outcome.error();
            if (lambdaErrors) {
                Map<String, Object> lambda = new LinkedHashMap<>();
                lambda.put("errorMessage", dev.skyfn.core.SkyfnException.bounded(e.message()));
                lambda.put("errorType", e.type().isEmpty() ? e.code().name() : e.type());
                res.header(HeaderNames.create("X-Skyfn-Error-Code"), e.code().name());
                Api.json(res, e.code().httpStatus(), lambda);
                return;
            }
            Api.error(res, e.code(), e.message(), Map.of("invocationId", outcome.invocationId(), "type", e.type()));
            return;
        }
        switch (outcome.payload()) {
            case Payload.Body b -> {
                if (!b.contentType().isEmpty()) {
                    res.header(HeaderNames.CONTENT_TYPE, b.contentType());
                }
                res.status(200).send(b.bytes());
            }
            case Payload.Response r -> send(res, outcome.invocationId(), r.response());
            default -> res.status(204).send();
        }
    }

    /**
     * A function's own HTTP response. The server does not validate response headers (skyfn's own are
     * well-formed by construction), so a function's headers are checked here: no header splitting.
     * Its {@code X-Skyfn-*} headers are dropped, as are hop-by-hop ones: those are the platform's
     * word (which node ran the call, its invocation id), not the function's. A status of 100–199 is
     * refused (FUNCTION_ERROR): it is no final response, and a client would wait for one; a 204, 205
     * or 304 is sent without the body it may carry (RFC 9110, 15.3.5, 15.3.6 and 15.4.5), which would
     * else be read as the start of the connection's next response.
     */
    private static void send(ServerResponse res, String invocationId, HttpResponse response) {
        if (response.status() < 200) {
            Api.error(res, ErrorCode.FUNCTION_ERROR, "the function returned HTTP status " + response.status()
                    + ", which is no final response: a function's response has a status of 200 to 599", Map.of("invocationId", invocationId));
            return;
        }
        List<Header> headers = new ArrayList<>(response.headers().size());
        try {
            response.headers().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!HOP_BY_HOP.contains(lower) && !lower.startsWith("x-skyfn-")) {
                    Header h = HeaderValues.create(name, values);
                    h.validate();
                    headers.add(h);
                }
            });
        } catch (IllegalArgumentException e) {
            Api.error(res, ErrorCode.FUNCTION_ERROR, "the function returned an invalid HTTP header: " + e.getMessage(),
                    Map.of("invocationId", invocationId));
            return;
        }
        headers.forEach(res::header);
        boolean noContent = response.status() == 204 || response.status() == 205 || response.status() == 304;
        res.status(response.status()).send(noContent ? new byte[0] : response.body());
    }

    /** An outcome inside a JSON document: JSON results as JSON, text as a string, bytes in base64. */
    static Map<String, Object> describe(Outcome outcome) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("coldStart", outcome.coldStart());
        view.put("durationMs", outcome.durationNanos() / 1e6);
        if (!outcome.ok()) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", outcome.error().code().name());
            error.put("message", dev.skyfn.core.SkyfnException.bounded(outcome.error().message()));
            if (!outcome.error().type().isEmpty()) {
                error.put("type", outcome.error().type());
            }
            view.put("error", error);
            return view;
        }
        switch (outcome.payload()) {
            case Payload.Body b -> {
                view.put("contentType", b.contentType());
                putBody(view, b.contentType(), b.bytes());
            }
            case Payload.Response r -> {
                view.put("status", r.response().status());
                view.put("headers", r.response().headers());
                putBody(view, java.util.Objects.requireNonNullElse(r.response().header("content-type"), ""), r.response().body());
            }
            default -> view.put("result", null);
        }
        return view;
    }

    private static void putBody(Map<String, Object> view, String contentType, byte[] bytes) {
        if (contentType.startsWith("application/json")) {
            try {
                JsonNode json = Json.MAPPER.readTree(bytes);
                view.put("result", json);
                return;
            } catch (IOException notJson) {
                // fall through to text
            }
        }
        if (contentType.startsWith("text/") || contentType.startsWith("application/json")) {
            view.put("result", new String(bytes, StandardCharsets.UTF_8));
        } else {
            view.put("resultBase64", Base64.getEncoder().encodeToString(bytes));
        }
    }
}
