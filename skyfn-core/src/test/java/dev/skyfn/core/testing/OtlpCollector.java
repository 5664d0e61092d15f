package dev.skyfn.core.testing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** An OTLP/HTTP trace receiver on 127.0.0.1, as a collector is to a node: it keeps every span it is sent. */
public final class OtlpCollector implements AutoCloseable {

    /**
     * A span as received: ids in lower-case hex (a root's parent is empty), its kind and its string,
     * bool and int attributes, its start and end in ns since the epoch.
     */
    public record Received(String name, String traceId, String spanId, String parentSpanId, String kind, Map<String, String> attributes,
                           Map<String, String> resource, long startNanos, long endNanos) {
    }

    private final HttpServer server;
    private final List<Received> spans = new CopyOnWriteArrayList<>();

    public OtlpCollector() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/traces", exchange -> {
            var request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
            for (var rs : request.getResourceSpansList()) {
                Map<String, String> resource = rs.getResource().getAttributesList().stream()
                        .collect(Collectors.toMap(a -> a.getKey(), a -> value(a.getValue()), (a, b) -> b));
                for (var ss : rs.getScopeSpansList()) {
                    for (var s : ss.getSpansList()) {
                        spans.add(new Received(s.getName(), hex(s.getTraceId().toByteArray()), hex(s.getSpanId().toByteArray()),
                                hex(s.getParentSpanId().toByteArray()), s.getKind().name(),
                                s.getAttributesList().stream().collect(Collectors.toMap(a -> a.getKey(), a -> value(a.getValue()), (a, b) -> b)),
                                resource, s.getStartTimeUnixNano(), s.getEndTimeUnixNano()));
                    }
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Received> spans() {
        return List.copyOf(spans);
    }

    /** The spans of one trace. */
    public List<Received> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private static String value(io.opentelemetry.proto.common.v1.AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
        };
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
