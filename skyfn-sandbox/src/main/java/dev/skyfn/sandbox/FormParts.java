package dev.skyfn.sandbox;

import com.google.cloud.functions.HttpRequest.HttpPart;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * The parts of a {@code multipart/form-data} body (RFC 7578) as a Cloud Functions {@code
 * HttpFunction} gets them from {@code getParts()}: by field name, each with its file name, media
 * type, headers and bytes — parsed with Apache James mime4j. A request of another media type
 * throws {@code IllegalStateException}, as Google's framework does; a form's fields sent
 * {@code application/x-www-form-urlencoded} are the body, read by the function.
 */
final class FormParts {

    private FormParts() {
    }

    static Map<String, HttpPart> of(dev.skyfn.api.HttpRequest req) {
        String type = req.header("content-type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new IllegalStateException("Content-Type must be multipart/form-data: " + type);
        }
        Map<String, HttpPart> parts = new LinkedHashMap<>();
        var parser = new MimeStreamParser(MimeConfig.custom().setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(-1).build());
        parser.setContentDecoding(true);
        parser.setContentHandler(new AbstractContentHandler() {
            /** The headers of the part being read; null outside a part (the message's own). */
            private Map<String, List<String>> headers;

            @Override
            public void startBodyPart() {
                headers = new LinkedHashMap<>();
            }

            @Override
            public void field(Field field) {
                if (headers != null) {
                    headers.computeIfAbsent(field.getNameLowerCase(), n -> new ArrayList<>()).add(field.getBody());
                }
            }

            @Override
            public void body(BodyDescriptor body, InputStream in) throws IOException {
                if (headers == null) {
                    return;
                }
                Map<String, String> disposition = new LinkedHashMap<>();
                for (String d : headers.getOrDefault("content-disposition", List.of())) {
                    for (NameValuePair p : RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Disposition", d)).getParams()) {
                        disposition.put(p.getName().toLowerCase(Locale.ROOT), p.getValue());
                    }
                }
                String name = disposition.get("name");
                if (name != null) {
                    parts.put(name, new Part(Optional.ofNullable(disposition.get("filename")), headers, in.readAllBytes()));
                }
            }

            @Override
            public void endBodyPart() {
                headers = null;
            }
        });
        byte[] head = ("Content-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try {
            parser.parse(new SequenceInputStream(new ByteArrayInputStream(head), new ByteArrayInputStream(req.body())));
        } catch (MimeException | IOException e) {
            throw new IllegalStateException("the multipart body could not be read: " + e.getMessage(), e);
        }
        return parts;
    }

    /** One part, held in memory (a request body is at most 6 MiB). */
    private record Part(Optional<String> fileName, Map<String, List<String>> headers, byte[] bytes) implements HttpPart {

        @Override
        public Optional<String> getFileName() {
            return fileName;
        }

        @Override
        public Optional<String> getContentType() {
            List<String> values = headers.get("content-type");
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }

        @Override
        public long getContentLength() {
            return bytes.length;
        }

        @Override
        public Optional<String> getCharacterEncoding() {
            return getContentType().filter(t -> t.toLowerCase(Locale.ROOT).contains("charset="))
                    .map(t -> dev.skyfn.api.HttpRequest.charset(t).name());
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), dev.skyfn.api.HttpRequest.charset(getContentType().orElse(null))));
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            return headers;
        }
    }
}
