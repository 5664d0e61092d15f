package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The events AWS Lambda builds from an HTTP request for a handler behind a URL, and the HTTP
 * response it makes of the handler's answer: payload format 2.0 (Lambda function URLs and API
 * Gateway HTTP APIs, the default) and 1.0 (API Gateway REST APIs' proxy integration, for a handler
 * of {@code APIGatewayProxyRequestEvent}). Shapes as in the Lambda developer guide, "Invoking
 * Lambda function URLs" (request and response payloads), and the API Gateway developer guide,
 * "Lambda proxy integrations".
 */
final class FunctionUrlEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** Media types whose bodies Lambda hands over as text; others go in base64. */
    private static final List<String> TEXT = List.of("text/", "application/json", "application/xml", "application/javascript",
            "application/x-www-form-urlencoded", "+json", "+xml");

    /** Which payload format. */
    enum Format {
        /** Function URLs and HTTP APIs. */
        V2,
        /** REST APIs' proxy integration. */
        V1
    }

    private FunctionUrlEvents() {
    }

    /** The event, as JSON bytes, of {@code req} reaching {@code app}'s function in call {@code requestId} at {@code now}. */
    static byte[] event(Format format, HttpRequest req, String app, String requestId, Instant now) {
        Map<String, Object> event = format == Format.V2 ? v2(req, app, requestId, now) : v1(req, app, requestId, now);
        try {
            return JSON.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new IllegalStateException("an event of maps and strings is always JSON", e);
        }
    }

    private static Map<String, Object> v2(HttpRequest req, String app, String requestId, Instant now) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", req.path());
        event.put("rawQueryString", req.query());
        List<String> cookies = cookies(req);
        if (!cookies.isEmpty()) {
            event.put("cookies", cookies);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach((name, values) -> {
            if (!name.equals("cookie")) {
                headers.put(name, String.join(",", values));
            }
        });
        event.put("headers", headers);
        Map<String, List<String>> query = query(req.query());
        if (!query.isEmpty()) {
            Map<String, String> joined = new LinkedHashMap<>();
            query.forEach((name, values) -> joined.put(name, String.join(",", values)));
            event.put("queryStringParameters", joined);
        }
        Map<String, Object> http = new LinkedHashMap<>();
        http.put("method", req.method());
        http.put("path", req.path());
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", sourceIp(req));
        http.put("userAgent", req.header("user-agent"));
        Map<String, Object> context = context(req, app, requestId);
        context.put("http", http);
        context.put("routeKey", "$default");
        context.put("stage", "$default");
        context.put("time", CLF.format(now));
        context.put("timeEpoch", now.toEpochMilli());
        event.put("requestContext", context);
        putBody(event, req);
        return event;
    }

    private static Map<String, Object> v1(HttpRequest req, String app, String requestId, Instant now) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("resource", "/{proxy+}");
        event.put("path", req.path());
        event.put("httpMethod", req.method());
        // a REST API passes header names as the client wrote them; the request keeps them in lower case, so
        // they are given as HTTP/1.1 clients write them (Content-Type), where code written for 1.0 looks them up
        Map<String, String> last = new LinkedHashMap<>();
        Map<String, List<String>> all = new LinkedHashMap<>();
        req.headers().forEach((name, values) -> {
            last.put(canonical(name), values.getLast());
            all.put(canonical(name), values);
        });
        event.put("headers", last);
        event.put("multiValueHeaders", all);
        Map<String, List<String>> query = query(req.query());
        Map<String, String> lastQuery = new LinkedHashMap<>();
        query.forEach((name, values) -> lastQuery.put(name, values.getLast()));
        event.put("queryStringParameters", query.isEmpty() ? null : lastQuery);
        event.put("multiValueQueryStringParameters", query.isEmpty() ? null : query);
        event.put("pathParameters", req.path().length() > 1 ? Map.of("proxy", req.path().substring(1)) : null);
        event.put("stageVariables", null);
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("sourceIp", sourceIp(req));
        identity.put("userAgent", req.header("user-agent"));
        Map<String, Object> context = context(req, app, requestId);
        context.put("resourcePath", "/{proxy+}");
        context.put("httpMethod", req.method());
        context.put("path", req.path());
        context.put("protocol", "HTTP/1.1");
        context.put("stage", "$default");
        context.put("identity", identity);
        context.put("requestTime", CLF.format(now));
        context.put("requestTimeEpoch", now.toEpochMilli());
        event.put("requestContext", context);
        event.put("body", null);
        event.put("isBase64Encoded", false);
        putBody(event, req);
        return event;
    }

    /** {@code x-forwarded-for} as {@code X-Forwarded-For}. */
    static String canonical(String name) {
        char[] c = name.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (i == 0 || c[i - 1] == '-') {
                c[i] = Character.toUpperCase(c[i]);
            }
        }
        return new String(c);
    }

    /** What both formats' request contexts hold. */
    private static Map<String, Object> context(HttpRequest req, String app, String requestId) {
        Map<String, Object> context = new LinkedHashMap<>();
        String host = req.header("host") == null ? "" : req.header("host");
        context.put("accountId", "anonymous");
        context.put("apiId", app);
        context.put("domainName", host);
        context.put("domainPrefix", host.contains(".") ? host.substring(0, host.indexOf('.')) : host);
        context.put("requestId", requestId);
        return context;
    }

    private static void putBody(Map<String, Object> event, HttpRequest req) {
        if (req.body().length == 0) {
            event.put("isBase64Encoded", false);
            return;
        }
        String type = req.header("content-type") == null ? "" : req.header("content-type").toLowerCase(Locale.ROOT);
        boolean text = TEXT.stream().anyMatch(t -> t.startsWith("+") ? type.split(";")[0].strip().endsWith(t) : type.startsWith(t));
        event.put("body", text ? new String(req.body(), StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(req.body()));
        event.put("isBase64Encoded", !text);
    }

    private static List<String> cookies(HttpRequest req) {
        List<String> cookies = new ArrayList<>();
        for (String header : req.headers().getOrDefault("cookie", List.of())) {
            for (String c : header.split(";")) {
                if (!c.isBlank()) {
                    cookies.add(c.strip());
                }
            }
        }
        return cookies;
    }

    /**
     * The address of the peer that sent the request to the gateway, as API Gateway's {@code sourceIp}
     * is: the last entry of {@code x-forwarded-for}, which the gateway appends; empty when there is none.
     */
    private static String sourceIp(HttpRequest req) {
        String chain = String.join(",", req.headers().getOrDefault("x-forwarded-for", List.of()));
        return chain.substring(chain.lastIndexOf(',') + 1).strip();
    }

    /** Query parameters by decoded name, every value in order. */
    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                params.computeIfAbsent(name, n -> new ArrayList<>())
                        .add(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    /**
     * The HTTP response of a handler's answer (JSON bytes) as Lambda makes it: an object with a
     * {@code statusCode} gives its status, {@code headers}, {@code multiValueHeaders} (1.0),
     * {@code cookies} (2.0, each a {@code Set-Cookie}) and {@code body} (base64 when
     * {@code isBase64Encoded}); in 2.0 any other JSON is a 200 whose body is that JSON (a string's
     * text), in 1.0 it is API Gateway's 502 for a malformed proxy response.
     */
    static HttpResponse response(Format format, byte[] answer) {
        JsonNode result;
        try {
            result = answer.length == 0 ? JSON.nullNode() : JSON.readTree(answer);
        } catch (IOException notJson) {
            return format == Format.V2 ? HttpResponse.of(200, "application/json", answer) : malformed();
        }
        if (result == null || !result.isObject() || !result.has("statusCode")) {
            if (format == Format.V1) {
                return malformed();
            }
            byte[] body = result != null && result.isTextual() ? result.textValue().getBytes(StandardCharsets.UTF_8) : answer;
            return HttpResponse.of(200, "application/json", body);
        }
        int status = result.get("statusCode").asInt();
        if (status < 100 || status > 599) {
            return malformed();
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        result.path("headers").properties().forEach(e -> headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().asText()));
        result.path("multiValueHeaders").properties().forEach(e -> {
            List<String> values = headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
            values.clear();
            e.getValue().forEach(v -> values.add(v.asText()));
        });
        result.path("cookies").forEach(c -> headers.computeIfAbsent("set-cookie", k -> new ArrayList<>()).add(c.asText()));
        JsonNode body = result.path("body");
        byte[] bytes = body.isMissingNode() || body.isNull() ? new byte[0]
                : result.path("isBase64Encoded").asBoolean(false) ? Base64.getMimeDecoder().decode(body.asText())
                : (body.isTextual() ? body.textValue() : body.toString()).getBytes(StandardCharsets.UTF_8);
        return new HttpResponse(status, headers, bytes);
    }

    private static HttpResponse malformed() {
        return HttpResponse.of(502, "application/json", "{\"message\": \"Internal server error\"}".getBytes(StandardCharsets.UTF_8));
    }
}
