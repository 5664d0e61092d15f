package dev.skyfn.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.wire.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Events as functions get them: CloudEvents 1.0 in the structured JSON mode
 * ({@code application/cloudevents+json}, CloudEvents JSON Event Format 1.0: {@code specversion},
 * {@code id}, {@code source}, {@code type}, {@code subject}, {@code time} (RFC 3339, UTC),
 * {@code datacontenttype}, {@code partitionkey} and other extensions, then the data), several as
 * a JSON array ({@code application/cloudevents-batch+json}).
 *
 * <p>The data goes as {@code data}, the JSON as it is, when its media type is JSON as the
 * CloudEvents Java SDK reads it ({@code application/json}, {@code text/json}, {@code application/x+json},
 * parameters allowed) or absent (JSON is then implied), and the bytes are well-formed JSON; as
 * {@code data}, a string, when its media type is {@code text/*}; as {@code data_base64} otherwise —
 * so that bytes which are not what their media type says still make a well-formed envelope.
 * Written with Jackson's streaming generator, one pass and no tree (JSON data is checked by its
 * streaming parser): an event's envelope is on the path of every event a stream function takes.
 */
final class CloudEventJson {

    static final String STRUCTURED = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";
    private static final JsonFactory JSON = new JsonFactory();
    /** The media types whose data the CloudEvents Java SDK reads as JSON (its {@code JsonFormat}). */
    private static final Pattern JSON_TYPE = Pattern.compile("(application|text)/([a-zA-Z]+\\+)?json(;.*)*");
    /** Attributes written before the extensions, which no extension may write again. */
    private static final Set<String> ATTRIBUTES = Set.of("specversion", "id", "source", "type", "subject", "time", "datacontenttype",
            "dataschema", "data", "data_base64", "partitionkey");

    private CloudEventJson() {
    }

    static Payload one(Event e) {
        return new Payload.Body(STRUCTURED, write(List.of(e), false));
    }

    static Payload batch(List<Event> events) {
        return new Payload.Body(BATCH, write(events, true));
    }

    private static byte[] write(List<Event> events, boolean array) {
        int size = 64;
        for (Event e : events) {
            size += 256 + e.data().length * 4 / 3;
        }
        var out = new ByteArrayOutputStream(size);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (array) {
                g.writeStartArray();
            }
            for (Event e : events) {
                write(g, e);
            }
            if (array) {
                g.writeEndArray();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, Event e) throws IOException {
        g.writeStartObject();
        g.writeStringField("specversion", "1.0");
        g.writeStringField("id", e.id());
        g.writeStringField("source", e.source());
        g.writeStringField("type", e.type());
        if (e.subject() != null) {
            g.writeStringField("subject", e.subject());
        }
        g.writeStringField("time", time(e.time()));
        if (e.contentType() != null) {
            g.writeStringField("datacontenttype", e.contentType());
        }
        if (e.partitionKey() != null) {
            g.writeStringField("partitionkey", e.partitionKey());
        }
        for (Map.Entry<String, String> x : e.extensions().entrySet()) {
            if (!ATTRIBUTES.contains(x.getKey())) {
                g.writeStringField(x.getKey(), x.getValue());
            }
        }
        data(g, e.contentType(), e.data());
        g.writeEndObject();
    }

    /** The media types seen, and whether each is JSON: a backlog's events share a few, and the pattern costs more than a lookup. */
    private static final Map<String, Boolean> JSON_TYPES = new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean jsonType(String contentType) {
        if (contentType == null) {
            return true;
        }
        Boolean known = JSON_TYPES.get(contentType);
        if (known == null) {
            if (JSON_TYPES.size() >= 256) {
                JSON_TYPES.clear();
            }
            known = JSON_TYPE.matcher(contentType).matches();
            JSON_TYPES.put(contentType, known);
        }
        return known;
    }

    /** The second last written, as {@link Instant#toString()} writes it without its {@code Z}. */
    private record Second(long epochSecond, String written) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    /**
     * {@code t} as {@link Instant#toString()} writes it (RFC 3339 in UTC, the fraction in groups of
     * three digits, none when zero), the date and time of its second formatted once for every event
     * of that second: formatting them is a third of an envelope's cost.
     */
    static String time(Instant t) {
        Second second = lastSecond;
        if (second.epochSecond() != t.getEpochSecond()) {
            String whole = Instant.ofEpochSecond(t.getEpochSecond()).toString();
            second = new Second(t.getEpochSecond(), whole.substring(0, whole.length() - 1));
            lastSecond = second;
        }
        int nano = t.getNano();
        if (nano == 0) {
            return second.written() + "Z";
        }
        int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
        String nine = Integer.toString(1_000_000_000 + nano); // "1" and nine digits, zeros kept
        return second.written() + "." + nine.substring(1, 1 + digits) + "Z";
    }

    private static void data(JsonGenerator g, String contentType, byte[] data) throws IOException {
        boolean jsonType = jsonType(contentType);
        if (data.length == 0 && jsonType) {
            return; // no data: none written (an empty JSON value is not one)
        }
        String text = !jsonType && contentType.regionMatches(true, 0, "text/", 0, 5) && utf8Charset(contentType) ? utf8Text(data) : null;
        if (jsonType && wellFormed(data)) {
            g.writeFieldName("data");
            g.writeRawValue(new String(data, StandardCharsets.UTF_8));
        } else if (text != null) {
            g.writeStringField("data", text);
        } else {
            g.writeFieldName("data_base64");
            g.writeBinary(data);
        }
    }

    /**
     * Whether text of {@code contentType} is in UTF-8 as far as its type says: a {@code charset}
     * parameter, when there is one, names UTF-8 or US-ASCII (RFC 2046 §4.1.2; text in any other
     * charset goes as {@code data_base64}, its bytes kept, rather than as a string they would not make).
     */
    static boolean utf8Charset(String contentType) {
        for (String parameter : contentType.split(";")) {
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).strip().equalsIgnoreCase("charset")) {
                String charset = parameter.substring(eq + 1).strip().replace("\"", "");
                return charset.equalsIgnoreCase("utf-8") || charset.equalsIgnoreCase("us-ascii");
            }
        }
        return true;
    }

    /** {@code bytes} as text when they are well-formed UTF-8 (decoded strictly, not with replacement characters), else null. */
    static String utf8Text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Whether {@code data} is one well-formed JSON value in UTF-8 and nothing after it. Jackson's
     * parser of bytes also reads UTF-16 and UTF-32 and skips a byte-order mark, which the envelope,
     * written in UTF-8 with the bytes as they are, cannot carry: JSON in UTF-8 starts with an ASCII
     * character and holds no NUL, and JSON in any other form does not.
     */
    private static boolean wellFormed(byte[] data) {
        for (int i = 0; i < Math.min(4, data.length); i++) {
            if (data[i] == 0 || (i == 0 && data[i] < 0)) {
                return false;
            }
        }
        try (JsonParser p = JSON.createParser(data)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether data of {@code contentType} is JSON, which the envelope embeds as it is (and which must then parse). */
    static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json") || type.equals("text/json");
    }
}
