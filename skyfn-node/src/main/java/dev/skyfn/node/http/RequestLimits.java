package dev.skyfn.node.http;

import dev.skyfn.control.Json;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http1.Http1Config;
import java.util.Locale;
import java.util.Map;

/**
 * The limits on a request's head, and what a caller gets beyond them: a request line over
 * {@link #MAX_LINE_BYTES} is {@code 414 URI_TOO_LONG} (RFC 9110 §15.5.15), header fields over
 * {@link #MAX_HEADER_BYTES} in all {@code 431 HEADERS_TOO_LARGE} (RFC 6585 §5) — skyfn's JSON
 * error either way, like every other refusal. The server reads request lines up to four times
 * the limit (414 beyond, from its direct handler) and header fields up to 1 MiB, so that the check
 * here sees them; a head larger still, or one it cannot parse, gets {@code 400 BAD_REQUEST} in the
 * same JSON shape rather than an empty body. A path segment skyfn routes on that carries matrix
 * parameters is {@code 400 BAD_REQUEST} ({@link #routedWithParameters}).
 */
public final class RequestLimits {

    /** The longest request line: method, URL and version, in bytes. */
    public static final int MAX_LINE_BYTES = 8 * 1024;
    /** The most header bytes a request may carry, names and values with their separators. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /**
     * The most header bytes the server reads: beyond, it cannot tell why it stopped (a plain 400,
     * said here as {@code BAD_REQUEST}), so it reads far enough for the check here to say 431.
     */
    static final int MAX_READ_HEADER_BYTES = 1024 * 1024;

    private RequestLimits() {
    }

    /** The server's HTTP/1.1 settings: how much of a request's head it reads. */
    public static Http1Config http1() {
        return Http1Config.builder()
                // skyfn's own headers are well-formed by construction; a function's are checked where they are sent
                .validateResponseHeaders(false)
                .maxPrologueLength(4 * MAX_LINE_BYTES)
                .maxHeadersSize(MAX_READ_HEADER_BYTES)
                .build();
    }

    /**
     * The most connections the server holds open at once: half the file descriptors the process may
     * open, less those its sandboxes, files and NATS connections need (10,000 at most). Past it, new
     * connections wait in the kernel's backlog; without it, a client holding thousands of idle
     * connections would use up the descriptors and stop the server from accepting for good.
     */
    public static int maxConnections() {
        long descriptors = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 20_000;
        return (int) Math.max(64, Math.min(10_000, (descriptors - 1024) / 2));
    }

    /** How the server answers a request it refuses before routing: skyfn's JSON error. */
    public static io.helidon.webserver.http.DirectHandlers refusals() {
        return io.helidon.webserver.http.DirectHandlers.builder()
                .addHandler(DirectHandler.EventType.BAD_REQUEST, RequestLimits::refused)
                .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, RequestLimits::refused)
                .build();
    }

    /** Refuses a request whose head is over the limits before it is routed. */
    public static Filter filter() {
        return (chain, req, res) -> {
            var prologue = req.prologue();
            String query = prologue.query().rawValue();
            int line = prologue.method().text().length() + 1 + prologue.uriPath().rawPath().length()
                    + (query.isEmpty() ? 0 : 1 + query.length()) + 1 + prologue.rawProtocol().length();
            if (line > MAX_LINE_BYTES) {
                throw new SkyfnException(ErrorCode.URI_TOO_LONG, "the request line is " + line + " bytes, over the limit of "
                        + MAX_LINE_BYTES + "; send large inputs in the body");
            }
            int headers = 0;
            for (Header h : req.headers()) {
                for (String v : h.allValues()) {
                    headers += h.name().length() + 2 + v.length() + 2;
                }
            }
            if (headers > MAX_HEADER_BYTES) {
                throw new SkyfnException(ErrorCode.HEADERS_TOO_LARGE, "the request's header fields are " + headers
                        + " bytes, over the limit of " + MAX_HEADER_BYTES);
            }
            String routed = routedWithParameters(prologue.uriPath().rawPath());
            if (routed != null) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "'" + SkyfnException.bounded(routed) + "' is not a name skyfn knows:"
                        + " a ';' in a path has no meaning to skyfn (percent-encode it as %3B where a name may hold one)");
            }
            chain.proceed();
        };
    }

    /**
     * The first segment of {@code rawPath} skyfn routes on that carries matrix parameters (RFC 3986
     * §3.3: a {@code ;} and what follows), or null. The server drops them before routing, so
     * {@code /v1/topics/a.b;c} would publish to {@code a.b}: every segment of skyfn's own paths
     * is refused with one; under a function URL only {@code /fn/<tenant>/<app>/<function>}, since
     * the rest of its path is the function's, passed on as sent.
     */
    static String routedWithParameters(String rawPath) {
        String[] segments = rawPath.split("/", -1);
        int routed = rawPath.startsWith("/fn/") ? Math.min(segments.length, 5) : segments.length;
        for (int i = 0; i < routed; i++) {
            if (segments[i].indexOf(';') >= 0) {
                return segments[i];
            }
        }
        return null;
    }

    /** A request the server refused before routing, as skyfn's JSON error. */
    private static DirectHandler.TransportResponse refused(DirectHandler.TransportRequest req, DirectHandler.EventType type,
                                                           Status status, io.helidon.http.ServerResponseHeaders headers, String message) {
        String m = message == null ? "" : message;
        String lower = m.toLowerCase(Locale.ROOT);
        ErrorCode code = switch (status.code()) {
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 414 -> ErrorCode.URI_TOO_LONG;
            case 431 -> ErrorCode.HEADERS_TOO_LARGE;
            default -> type == DirectHandler.EventType.PAYLOAD_TOO_LARGE ? ErrorCode.PAYLOAD_TOO_LARGE
                    : lower.contains("header") && (lower.contains("size") || lower.contains("large") || lower.contains("exceed"))
                    ? ErrorCode.HEADERS_TOO_LARGE : ErrorCode.BAD_REQUEST;
        };
        if (m.isEmpty()) {
            m = switch (code) {
                case URI_TOO_LONG -> "the request line is over " + 4 * MAX_LINE_BYTES + " bytes, more than the server reads";
                case HEADERS_TOO_LARGE -> "the request's header fields are over " + MAX_READ_HEADER_BYTES + " bytes, more than the server reads";
                default -> unencoded(req.path()).map(c -> "the request's path '" + req.path() + "' has " + c
                        + ", which a URL carries percent-encoded (RFC 3986)").orElse("the request could not be read");
            };
        }
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(Map.of("error", Map.of("code", code.name(),
                    "message", SkyfnException.bounded(m))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return DirectHandler.TransportResponse.builder().status(Status.create(code.httpStatus()))
                .header(HeaderNames.CONTENT_TYPE, "application/json").keepAlive(false).entity(body).build();
    }

    /**
     * The first character of {@code path} that RFC 3986 does not allow unencoded in a URL's path and
     * query, said with its encoding ({@code '>' (%3E)}), if any.
     */
    static java.util.Optional<String> unencoded(String path) {
        if (path == null) {
            return java.util.Optional.empty();
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c >= 0x7f) {
                return java.util.Optional.of(String.format("U+%04X (as its UTF-8 bytes, each %%XX)", (int) c));
            }
            if (c <= ' ' || "\"<>\\^`{|}".indexOf(c) >= 0) {
                return java.util.Optional.of((c <= ' ' ? String.format("U+%04X", (int) c) : "'" + c + "'") + String.format(" (%%%02X)", (int) c));
            }
        }
        return java.util.Optional.empty();
    }
}
