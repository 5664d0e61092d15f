package dev.skyfn.node.http;

import dev.skyfn.core.SkyfnException;
import dev.skyfn.node.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The span of a request a gateway serves (kind SERVER), a child of the caller's span when its
 * {@code traceparent} header names one; named and described as the OpenTelemetry HTTP semantic
 * conventions say ({@code http.request.method}, {@code http.route}, {@code http.response.status_code},
 * an error status for a 5xx answer).
 */
final class ServerSpans {

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final io.helidon.http.HeaderName TRACEPARENT = io.helidon.http.HeaderNames.create("traceparent");
    private static final io.helidon.http.HeaderName TRACESTATE = io.helidon.http.HeaderNames.create("tracestate");

    /** What a route does once its span is current. */
    @FunctionalInterface
    interface Handler {
        void handle(ServerRequest req, ServerResponse res);
    }

    private ServerSpans() {
    }

    /** {@code handler} as it is when tracing is off, and inside a server span of {@code route} when on. */
    static io.helidon.webserver.http.Handler traced(Tracing tracing, String route, Handler handler) {
        if (!tracing.on()) {
            return handler::handle;
        }
        // one name per method, made once: most requests' spans are not kept, and cost no more than they must
        Map<String, String> names = new ConcurrentHashMap<>();
        return (req, res) -> {
            String method = req.prologue().method().text();
            Span span = tracing.startServer(names.computeIfAbsent(method, m -> m + " " + route),
                    name -> req.headers().first(name.equals("traceparent") ? TRACEPARENT : TRACESTATE).orElse(null));
            if (span.isRecording()) {
                span.setAttribute(METHOD, method).setAttribute(ROUTE, route);
            }
            // a request's span is the outermost: nothing is current before it, and looking costs a thread-local read
            try (Scope ignored = Context.root().with(span).makeCurrent()) {
                handler.handle(req, res);
                if (span.isRecording()) {
                    int status = res.status().code();
                    span.setAttribute(STATUS, (long) status);
                    // a server's 5xx is its own failure; a 4xx is the caller's, and leaves the span unset (HTTP semantic conventions)
                    if (status >= 500) {
                        span.setStatus(StatusCode.ERROR);
                    }
                }
            } catch (SkyfnException e) {
                span.setAttribute(STATUS, (long) e.code().httpStatus());
                Tracing.failed(span, e.code().name(), e.getMessage());
                throw e;
            } catch (RuntimeException | Error e) {
                span.recordException(e);
                span.setStatus(StatusCode.ERROR);
                throw e;
            } finally {
                span.end();
            }
        };
    }
}
