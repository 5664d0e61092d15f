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

    /** The body as text in the charset its content type declares (UTF-8 when it declares none, or one this JVM lacks). */
    public String bodyAsString() {
        return new String(body, charset(header("content-type")));
    }

    /** The charset a content type declares ({@code text/plain; charset=ISO-8859-1}); UTF-8 when none, or one this JVM lacks. */
    public static java.nio.charset.Charset charset(String contentType) {
        if (contentType != null) {
            for (String part : contentType.split(";")) {
                String p = part.strip();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    try {
                        return java.nio.charset.Charset.forName(p.substring(8).replace("\"", "").strip());
                    } catch (IllegalArgumentException unknown) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }
}
