package dev.skyfn.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request handed to a function through its function URL.
 *
 * @param method  the HTTP method, upper case
 * @param path    the path below the function URL, starting with {@code /}
 * @param query   the raw query string, empty when there is none
 * @param headers header values by lower-case name
 * @param body    the request body, empty when there is none
 */
public record HttpRequest(String method, String path, String query,
                          Map<String, List<String>> headers, byte[] body) {

    public HttpRequest {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of a header, or {@code null}; names are case-insensitive. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
