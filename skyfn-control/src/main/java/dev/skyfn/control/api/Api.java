package dev.skyfn.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skyfn.control.Json;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.Authenticator;
import dev.skyfn.core.app.Caller;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What every HTTP route of skyfn shares: JSON bodies, the error contract, API keys, bounded request bodies. */
public final class Api {

    public static final String JSON = "application/json";
    public static final HeaderName INVOCATION_ID = HeaderNames.create("X-Skyfn-Invocation-Id");
    private static final HeaderName RETRY_AFTER = HeaderNames.create("Retry-After");
    /** When a caller answered {@code 503 UNAVAILABLE} should try again: a node's death is noticed and acted on within seconds. */
    private static final String RETRY_AFTER_SECONDS = "5";
    /** A function's slots and queue full: one of its calls ends well within a second, as a rule. */
    private static final String RETRY_BUSY_SECONDS = "1";

    private static final String BEARER = "Bearer ";

    private Api() {
    }

    /** The caller of this request, or an UNAUTHENTICATED failure. */
    public static Caller caller(ServerRequest req, Authenticator auth) {
        if (auth.open()) {
            return auth.authenticate("").orElseThrow();
        }
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty() || !header.get().regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new SkyfnException(ErrorCode.UNAUTHENTICATED, "this call needs an API key: send 'Authorization: Bearer <key>'");
        }
        return auth.authenticate(header.get().substring(BEARER.length()).trim())
                .orElseThrow(() -> new SkyfnException(ErrorCode.UNAUTHENTICATED, "the API key is unknown or revoked"));
    }

    public static Caller admin(ServerRequest req, Authenticator auth) {
        Caller caller = caller(req, auth);
        if (!caller.admin()) {
            throw new SkyfnException(ErrorCode.FORBIDDEN, "only an admin key may do this");
        }
        return caller;
    }

    /** The request body, refused with {@code tooLarge} when it is longer than {@code limit} bytes. */
    public static byte[] body(ServerRequest req, long limit, ErrorCode tooLarge) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > limit) {
            throw tooLarge(tooLarge, limit);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            // with a length, read exactly that; without one (chunked), read one byte past the limit to detect excess
            byte[] body = in.readNBytes((int) (declared >= 0 ? declared : Math.min(Integer.MAX_VALUE - 8, limit + 1)));
            if (body.length > limit) {
                throw tooLarge(tooLarge, limit);
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SkyfnException tooLarge(ErrorCode code, long limit) {
        return new SkyfnException(code, "the request body is larger than " + limit + " bytes, the limit here");
    }

    public static void json(ServerResponse res, int status, Object body) {
        try {
            byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
            res.status(status).header(HeaderNames.CONTENT_TYPE, JSON).send(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a response", e);
        }
    }

    /** Sends the error contract: {@code {"error": {"code": ..., "message": ...}}}. */
    public static void error(ServerResponse res, SkyfnException e) {
        error(res, e.code(), e.getMessage(), Map.of());
    }

    /**
     * Answers with skyfn's error shape, {@code {"error": {"code", "message", ...more}}}, and the
     * code's HTTP status; {@code 503 UNAVAILABLE} (5 s) and {@code 429 TOO_MANY_REQUESTS} (1 s) also
     * say when to try again ({@code Retry-After}, RFC 9110 §10.2.3, in seconds).
     */
    public static void error(ServerResponse res, ErrorCode code, String message, Map<String, String> more) {
        if (code == ErrorCode.UNAVAILABLE) {
            res.header(RETRY_AFTER, RETRY_AFTER_SECONDS);
        } else if (code == ErrorCode.TOO_MANY_REQUESTS) {
            res.header(RETRY_AFTER, RETRY_BUSY_SECONDS);
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.name());
        error.put("message", SkyfnException.bounded(message));
        more.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                error.put(k, v);
            }
        });
        json(res, code.httpStatus(), Map.of("error", error));
    }

    /** A query parameter as a whole number, when given; BAD_REQUEST naming it when it is not one. */
    public static Optional<Long> queryNumber(ServerRequest req, String name) {
        return req.query().first(name).map(v -> {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "query parameter " + name + " must be a number, not '" + v + "'");
            }
        });
    }

    /** A path parameter, decoded. */
    public static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    /**
     * The JSON {@code body} read as {@code type}; {@code BAD_REQUEST} saying what is wrong and where
     * (line and column, or the field's path), in the request's terms, not the parser's.
     */
    public static <T> T read(byte[] body, Class<T> type) {
        try {
            return Json.MAPPER.readValue(body, type);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the request body is not the JSON expected: " + e.getOriginalMessage()
                    + dev.skyfn.core.JsonErrors.where(e));
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the request body is not the JSON expected: " + e.getMessage());
        }
    }
}
