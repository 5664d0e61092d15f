package dev.skyfn.sandbox;

import com.google.cloud.functions.HttpRequest;
import com.google.cloud.functions.HttpResponse;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP exchange as a Google Cloud Functions {@code HttpFunction} sees it: a request made from
 * skyfn's, and a response it builds that becomes skyfn's.
 */
final class GoogleHttpExchange {

    private GoogleHttpExchange() {
    }

    static HttpRequest request(dev.skyfn.api.HttpRequest req) {
        return new Request(req);
    }

    /** The GCF request: a read-only view of skyfn's. */
    private record Request(dev.skyfn.api.HttpRequest req) implements HttpRequest {

        @Override
        public String getMethod() {
            return req.method();
        }

        @Override
        public String getUri() {
            return req.query().isEmpty() ? req.path() : req.path() + "?" + req.query();
        }

        @Override
        public String getPath() {
            return req.path();
        }

        @Override
        public Optional<String> getQuery() {
            return req.query().isEmpty() ? Optional.empty() : Optional.of(req.query());
        }

        @Override
        public Map<String, List<String>> getQueryParameters() {
            return FunctionUrlEvents.query(req.query());
        }

        @Override
        public Map<String, HttpPart> getParts() {
            return FormParts.of(req);
        }

        @Override
        public Optional<String> getContentType() {
            return Optional.ofNullable(req.header("content-type"));
        }

        @Override
        public long getContentLength() {
            return req.body().length;
        }

        @Override
        public Optional<String> getCharacterEncoding() {
            return getContentType().flatMap(GoogleHttpExchange::charset);
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(req.body());
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), dev.skyfn.api.HttpRequest.charset(req.header("content-type"))));
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(req.headers());
            return headers;
        }
    }

    private static Optional<String> charset(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                return Optional.of(p.substring(8));
            }
        }
        return Optional.empty();
    }

    /** The response an {@code HttpFunction} writes; {@link #toSkyfn()} once it returns. */
    static final class Response implements HttpResponse {

        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private BufferedWriter writer;
        private int status = 200;

        @Override
        public void setStatusCode(int code) {
            status = code;
        }

        @Override
        public void setStatusCode(int code, String message) {
            status = code;
        }

        @Override
        public void setContentType(String contentType) {
            headers.put("content-type", new ArrayList<>(List.of(contentType)));
        }

        @Override
        public Optional<String> getContentType() {
            List<String> values = headers.get("content-type");
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }

        @Override
        public void appendHeader(String name, String value) {
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            return headers;
        }

        @Override
        public OutputStream getOutputStream() {
            return body;
        }

        @Override
        public BufferedWriter getWriter() {
            if (writer == null) {
                writer = new BufferedWriter(new OutputStreamWriter(body, dev.skyfn.api.HttpRequest.charset(getContentType().orElse(null))));
            }
            return writer;
        }

        dev.skyfn.api.HttpResponse toSkyfn() {
            try {
                if (writer != null) {
                    writer.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // each value its own header line, as the function appended it: cookies cannot be joined with commas
            return new dev.skyfn.api.HttpResponse(status, headers, body.toByteArray());
        }
    }
}
