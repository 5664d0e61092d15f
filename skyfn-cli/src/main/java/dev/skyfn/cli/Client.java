package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP API from the command line's side: one request, and errors turned into {@link CliException}.
 * It speaks through {@link HttpURLConnection}, which starts in a fraction of the time
 * {@code java.net.http.HttpClient} takes (that one sets up TLS even for plain HTTP), and every
 * command pays for it once.
 */
final class Client {

    /** Trees, maps and lists only: the command line maps no JSON to types, so it need not load what that takes. */
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Longer than any function's timeout (15 min at most), so a long call is never cut by the client. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(16);

    /** An answer: its status, body, and headers by lower-case name. */
    record Response(int statusCode, byte[] body, Map<String, List<String>> headers) {

        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }
    }

    private final String baseUrl;
    private final String apiKey;

    Client(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
    }

    Response send(String method, String path, byte[] body, String contentType) {
        return send(method, path, body, contentType, Map.of());
    }

    /** {@link #send(String, String, byte[], String)} with more request headers. */
    Response send(String method, String path, byte[] body, String contentType, Map<String, String> headers) {
        Response res = answer(method, path, body, contentType, headers);
        if (res.statusCode() >= 400) {
            throw CliException.of(res);
        }
        return res;
    }

    /**
     * The server's answer whatever its status: for a command that says more of a failed call than
     * its error (which node ran it, its invocation id) before failing with {@link CliException#of}.
     *
     * @throws CliException when the server cannot be reached
     */
    Response answer(String method, String path, byte[] body, String contentType, Map<String, String> headers) {
        Response res;
        try {
            res = exchange(method, path, body, contentType, headers);
        } catch (ConnectException e) {
            throw new CliException("cannot reach skyfn at " + baseUrl + " (is 'skyfn dev' running? --url or SKYFN_URL point elsewhere)");
        } catch (IllegalArgumentException e) {
            throw new CliException("not a usable URL: " + baseUrl + path + " (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new CliException("request to " + baseUrl + path + " failed: " + e.getMessage());
        }
        return res;
    }

    private Response exchange(String method, String path, byte[] body, String contentType, Map<String, String> headers)
            throws IOException {
        var http = (HttpURLConnection) URI.create(baseUrl + path).toURL().openConnection();
        http.setRequestMethod(method);
        headers.forEach(http::setRequestProperty);
        http.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        http.setReadTimeout((int) READ_TIMEOUT.toMillis());
        if (contentType != null) {
            http.setRequestProperty("Content-Type", contentType);
        }
        if (apiKey != null && !apiKey.isBlank()) {
            http.setRequestProperty("Authorization", "Bearer " + apiKey);
        }
        if (body != null && (body.length > 0 || !method.equals("GET"))) {
            http.setDoOutput(true);
            http.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = http.getOutputStream()) {
                out.write(body);
            }
        }
        int status = http.getResponseCode();
        try (InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream()) {
            return new Response(status, in == null ? new byte[0] : in.readAllBytes(), http.getHeaderFields());
        }
    }

    JsonNode json(String method, String path, byte[] body) {
        return parse(send(method, path, body, body == null ? null : "application/json").body());
    }

    /**
     * {@code value} as one segment of a request's path: percent-encoded (RFC 3986), so that a name
     * or id a user typed cannot reach another path ({@code ../tenants/…}); CliException for
     * {@code .}, {@code ..} and the empty string, which are no names.
     */
    static String segment(String value) {
        if (value.isEmpty() || value.equals(".") || value.equals("..")) {
            throw new CliException("'" + value + "' is not a name or an id");
        }
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CliException("the server answered something that is not JSON: " + new String(body, StandardCharsets.UTF_8));
        }
    }
}
