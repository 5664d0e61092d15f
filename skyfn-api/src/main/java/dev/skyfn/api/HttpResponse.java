package dev.skyfn.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP response a function returns for its function URL.
 *
 * @param status  the HTTP status code, 100 to 599
 * @param headers header values by lower-case name; a name with several values is sent as as many
 *                header lines (two {@code set-cookie} values are two {@code Set-Cookie} headers)
 * @param body    the response body
 */
public record HttpResponse(int status, Map<String, List<String>> headers, byte[] body) {

    public HttpResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status out of range: " + status);
        }
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).addAll(values));
        lower.replaceAll((name, values) -> List.copyOf(values));
        headers = java.util.Collections.unmodifiableMap(lower);
        body = body == null ? new byte[0] : body;
    }

    /** A response with one value per header. */
    public static HttpResponse of(int status, Map<String, String> headers, byte[] body) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        headers.forEach((name, value) -> values.put(name, List.of(value)));
        return new HttpResponse(status, values, body);
    }

    public static HttpResponse of(int status, String contentType, byte[] body) {
        return new HttpResponse(status, Map.of("content-type", List.of(contentType)), body);
    }

    public static HttpResponse text(int status, String text) {
        return of(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    public static HttpResponse html(String html) {
        return of(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** The first value of a header, or {@code null}; names are case-insensitive. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** This response with {@code name} set to {@code value} alone. */
    public HttpResponse withHeader(String name, String value) {
        Map<String, List<String>> more = new LinkedHashMap<>(headers);
        more.put(name.toLowerCase(Locale.ROOT), List.of(value));
        return new HttpResponse(status, more, body);
    }

    /** This response with one more value of {@code name}, sent as a header line of its own (a cookie, say). */
    public HttpResponse addHeader(String name, String value) {
        Map<String, List<String>> more = new LinkedHashMap<>(headers);
        List<String> values = new ArrayList<>(more.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
        values.add(value);
        more.put(name.toLowerCase(Locale.ROOT), values);
        return new HttpResponse(status, more, body);
    }
}
