package dev.skyfn.sandbox;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.std.PrimitiveArrayDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.skyfn.api.HttpRequest;
import dev.skyfn.api.HttpResponse;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Turns payloads into a handler's input type and its results back into payloads: raw for bytes,
 * strings and HTTP exchanges, JSON for everything else.
 */
final class Codec {

    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";
    static final String BINARY = "application/octet-stream";

    /** One per sandbox, warmed before the sandbox reports ready; thread-safe. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .addModule(new SimpleModule("skyfn-bytes").addDeserializer(byte[].class, new FastBytes()))
            .addModule(new AppJsonTrees())
            // a decimal keeps the digits it came with: 1.10 stays 1.10
            .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            // unknown fields are tolerated so that callers can evolve ahead of functions
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            // a time keeps the offset and zone it came with, in and out
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(SerializationFeature.WRAP_EXCEPTIONS)
            .build();
    private final int maxResultBytes;

    /**
     * What a value being written is, which names it and its error when it is larger than a function
     * may send ({@code maxResultBytes}): a result fails the call with {@code RESULT_TOO_LARGE}; a
     * call's input or an event's data fails what sent it with {@code PAYLOAD_TOO_LARGE}.
     */
    enum Sent {
        RESULT(ErrorCode.RESULT_TOO_LARGE, "the result", "a function's result"),
        INPUT(ErrorCode.PAYLOAD_TOO_LARGE, "the input", "a call's input"),
        EVENT(ErrorCode.PAYLOAD_TOO_LARGE, "the event's data", "an event's data");

        private final ErrorCode code;
        private final String what;
        private final String limitOf;

        Sent(ErrorCode code, String what, String limitOf) {
            this.code = code;
            this.what = what;
            this.limitOf = limitOf;
        }
    }

    /**
     * Bytes from base64 text with the JDK's decoder, many times faster than Jackson's own on large
     * values (an image handed from step to step of a workflow is decoded at each step).
     */
    private static final class FastBytes extends StdDeserializer<byte[]> {
        private final JsonDeserializer<?> jackson = PrimitiveArrayDeserializers.forType(Byte.TYPE);

        FastBytes() {
            super(byte[].class);
        }

        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                String text = p.getText();
                byte[] decoded = RECENT.get(text);
                if (decoded != null) {
                    return decoded.clone(); // a handler may change its input in place
                }
                try {
                    decoded = Base64.getDecoder().decode(text);
                } catch (IllegalArgumentException notPlainBase64) {
                    return p.getBinaryValue(ctxt.getBase64Variant()); // Jackson's variants: line feeds, no padding
                }
                if (text.length() > LARGE) {
                    RECENT.put(text, decoded.clone());
                }
                return decoded;
            }
            return (byte[]) jackson.deserialize(p, ctxt);
        }
    }

    /**
     * Large values decoded lately, by their text: the same photo reaches each step of a workflow as
     * the same string. Holds a sixteenth of the heap at most.
     */
    private static final int LARGE = 64 * 1024;
    private static final long RECENT_BYTES = Runtime.getRuntime().maxMemory() / 16;
    private static final Map<String, byte[]> RECENT = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        private long bytes;

        @Override
        public byte[] put(String text, byte[] value) {
            bytes += value.length;
            byte[] old = super.put(text, value);
            bytes -= old == null ? 0 : old.length;
            return old;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            if (bytes > RECENT_BYTES && size() > 1) {
                bytes -= eldest.getValue().length;
                return true;
            }
            return false;
        }
    });

    Codec(int maxResultBytes) {
        this.maxResultBytes = maxResultBytes;
    }

    /** The actual type of {@code iface}'s first type parameter as {@code handler} binds it. */
    JavaType inputType(Class<?> handler, Class<?> iface) {
        JavaType[] params = MAPPER.constructType(handler).findTypeParameters(iface);
        return params.length == 0 ? MAPPER.constructType(Object.class) : params[0];
    }

    JavaType type(Class<?> type) {
        return MAPPER.constructType(type);
    }

    Object decode(Payload payload, JavaType type) {
        Class<?> raw = type.getRawClass();
        if (raw == HttpRequest.class) {
            return asRequest(payload);
        }
        byte[] body = body(payload);
        if (raw == byte[].class) {
            return body;
        }
        if (raw == String.class) {
            return new String(body, HttpRequest.charset(contentType(payload)));
        }
        if (raw == InputStream.class) {
            return new ByteArrayInputStream(body);
        }
        return decodeJson(payload, type);
    }

    /** The body as JSON; an empty body is null. */
    private Object decodeJson(Payload payload, JavaType type) {
        byte[] body = body(payload);
        if (body.length == 0) {
            return null;
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (JacksonException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "input does not fit " + type.toCanonical()
                    + ": " + e.getOriginalMessage() + where(e));
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "input unreadable: " + e.getMessage());
        }
    }

    /**
     * A value as {@code type}, for calls between functions: passed as it is when it already is
     * one, text and bytes converted, JSON text parsed, other objects converted through their JSON
     * form. A payload (the result of a call to another app) is decoded. For a call's input: past
     * the limit, {@code PAYLOAD_TOO_LARGE}.
     */
    Object convert(Object value, JavaType type) {
        return convert(value, type, Sent.INPUT);
    }

    private Object convert(Object value, JavaType type, Sent sent) {
        Class<?> raw = type.getRawClass();
        if (value instanceof ContainerNode<?> json && raw.isInstance(value)) {
            return json.deepCopy(); // the handler may change it; the execution's data must not change with it
        }
        if (value == null || raw.isInstance(value)) {
            return value;
        }
        if (value instanceof Payload p) {
            return decode(p, type);
        }
        if (value instanceof JsonNode json) {
            return fromJson(json, type);
        }
        if (value instanceof String || value instanceof byte[] || raw == byte[].class || raw == String.class
                || raw == InputStream.class || raw == HttpRequest.class) {
            return decode(asPayload(value, sent), type);
        }
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "does not fit " + type.toCanonical() + ": " + e.getMessage());
        }
    }

    /**
     * Workflow data as a handler's input: text as a string, bytes from their base64 text (as
     * Jackson writes them), objects and arrays as their JSON text or bytes, anything else mapped.
     */
    private Object fromJson(JsonNode json, JavaType type) {
        Class<?> raw = type.getRawClass();
        if (json.isNull() || json.isMissingNode()) {
            return raw.isPrimitive() ? MAPPER.convertValue(null, type) : null;
        }
        if (raw == String.class) {
            return json.isTextual() ? json.textValue() : json.toString();
        }
        if (raw == byte[].class || raw == InputStream.class || raw == HttpRequest.class) {
            byte[] bytes = json.isTextual() || json.isBinary() ? convert(json, byte[].class, type) : json.toString().getBytes(StandardCharsets.UTF_8);
            return raw == byte[].class ? bytes : decode(new Payload.Body(json.isContainerNode() ? JSON : BINARY, bytes), type);
        }
        return convert(json, type.getRawClass(), type);
    }

    private static <T> T convert(JsonNode json, Class<T> as, JavaType type) {
        try {
            return MAPPER.convertValue(json, MAPPER.constructType(as));
        } catch (IllegalArgumentException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "does not fit " + type.toCanonical() + ": " + e.getMessage());
        }
    }

    /**
     * A result as workflow data: JSON as it is, other apps' payloads read by their media type
     * (JSON parsed, text as a string, anything else as bytes), objects mapped.
     */
    JsonNode toJson(Object value) {
        return switch (value) {
            case null -> NullNode.getInstance();
            case JsonNode json -> json;
            case Payload.Empty e -> NullNode.getInstance();
            case Payload.Body b when b.contentType().startsWith(JSON) -> b.bytes().length == 0 ? NullNode.getInstance() : readJson(b.bytes());
            case Payload.Body b when b.contentType().startsWith("text/") -> TextNode.valueOf(new String(b.bytes(), HttpRequest.charset(b.contentType())));
            case Payload.Body b -> BinaryNode.valueOf(b.bytes());
            case Payload.Request r -> MAPPER.valueToTree(r.request());
            case Payload.Response r -> MAPPER.valueToTree(r.response());
            default -> {
                try {
                    yield MAPPER.valueToTree(value);
                } catch (IllegalArgumentException e) {
                    throw new SkyfnException(ErrorCode.FUNCTION_ERROR, "the result of type " + value.getClass().getName()
                            + " cannot be mapped to JSON: " + e.getMessage());
                }
            }
        };
    }

    static JsonNode readJson(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "not JSON: " + e.getMessage());
        }
    }

    static JsonNode readJson(InputStream in) {
        try (in) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "not JSON: " + e.getMessage());
        }
    }

    static void writeJson(JsonNode json, java.io.OutputStream out) throws IOException {
        MAPPER.writeValue(out, json);
    }

    /** A call's result as {@code type}, as {@link #convert(Object, JavaType)} converts; past the limit, {@code RESULT_TOO_LARGE}. */
    @SuppressWarnings("unchecked")
    <O> O convert(Object value, Class<O> type) {
        return (O) convert(value, MAPPER.constructType(type), Sent.RESULT);
    }

    /** A value as a payload: bytes and text as they are, anything else as JSON; {@code sent}'s error past the limit. */
    Payload asPayload(Object value, Sent sent) {
        try {
            if (value instanceof TextNode text) {
                value = text.textValue(); // workflow text goes out as text, as it comes back
            }
            return value instanceof String s ? checked(new Payload.Body(TEXT, s.getBytes(StandardCharsets.UTF_8)), sent) : encode(value, sent);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, sent.what + " cannot be written: " + e.getMessage());
        }
    }

    /** A function's result as a payload; {@code RESULT_TOO_LARGE} past the limit. */
    Payload encode(Object result) throws IOException {
        return encode(result, Sent.RESULT);
    }

    /** {@code value} as a payload: bytes, text, an HTTP response, a stream's bytes, or JSON; {@code sent}'s error past the limit. */
    Payload encode(Object value, Sent sent) throws IOException {
        Payload p = switch (value) {
            case null -> Payload.EMPTY;
            case byte[] bytes -> new Payload.Body(BINARY, bytes);
            case String text -> new Payload.Body(TEXT, text.getBytes(StandardCharsets.UTF_8));
            case HttpResponse response -> new Payload.Response(response);
            case InputStream in -> new Payload.Body(BINARY, readLimited(in, sent));
            default -> Payload.json(writeJson(value, sent));
        };
        return checked(p, sent);
    }

    private byte[] writeJson(Object result, Sent sent) throws IOException {
        var out = new LimitedBuffer(maxResultBytes, sent);
        try {
            MAPPER.writeValue(out, result);
        } catch (JacksonException e) {
            if (e.getCause() instanceof SkyfnException tooLarge) {
                throw tooLarge;
            }
            throw new SkyfnException(sent == Sent.RESULT ? ErrorCode.FUNCTION_ERROR : ErrorCode.INVALID_INPUT, sent.what + " of type " + result.getClass().getName()
                    + " cannot be written as JSON: " + e.getOriginalMessage());
        }
        return out.toByteArray();
    }

    private byte[] readLimited(InputStream in, Sent sent) throws IOException {
        try (in) {
            var out = new LimitedBuffer(maxResultBytes, sent);
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** {@code p}, once it is no larger than a result may be. */
    Payload checked(Payload p) {
        return checked(p, Sent.RESULT);
    }

    private Payload checked(Payload p, Sent sent) {
        int size = switch (p) {
            case Payload.Body b -> b.bytes().length;
            case Payload.Response r -> r.response().body().length;
            default -> 0;
        };
        if (size > maxResultBytes) {
            throw tooLarge(sent);
        }
        return p;
    }

    private SkyfnException tooLarge(Sent sent) {
        return new SkyfnException(sent.code, sent.what + " is larger than " + maxResultBytes + " bytes, the limit for " + sent.limitOf);
    }

    /** The payload's declared media type; null when it has none. */
    private static String contentType(Payload payload) {
        return switch (payload) {
            case Payload.Body b -> b.contentType().isEmpty() ? null : b.contentType();
            case Payload.Request r -> r.request().header("content-type");
            case Payload.Response r -> r.response().header("content-type");
            case Payload.Empty e -> null;
        };
    }

    static byte[] body(Payload payload) {
        return switch (payload) {
            case Payload.Body b -> b.bytes();
            case Payload.Request r -> r.request().body();
            case Payload.Response r -> r.response().body();
            case Payload.Empty e -> new byte[0];
        };
    }

    private static HttpRequest asRequest(Payload payload) {
        if (payload instanceof Payload.Request r) {
            return r.request();
        }
        String type = payload instanceof Payload.Body b && !b.contentType().isEmpty() ? b.contentType() : JSON;
        return new HttpRequest("POST", "/", "", Map.of("content-type", List.of(type)), body(payload));
    }

    private static String where(JacksonException e) {
        String path = dev.skyfn.core.JsonErrors.fieldPath(e);
        return path.isEmpty() ? "" : " (at " + path + ")";
    }

    /** Stops a value from growing past the limit instead of filling the heap first. */
    private final class LimitedBuffer extends ByteArrayOutputStream {

        private final int limit;
        private final Sent sent;

        LimitedBuffer(int limit, Sent sent) {
            super(256);
            this.limit = limit;
            this.sent = sent;
        }

        @Override
        public void write(int b) {
            ensure(1);
            super.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            super.write(b, off, len);
        }

        private void ensure(int more) {
            if ((long) count + more > limit) {
                throw tooLarge(sent);
            }
        }
    }
}
