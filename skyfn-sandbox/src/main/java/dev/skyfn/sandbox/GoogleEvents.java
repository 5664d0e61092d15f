package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.functions.Context;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.http.HttpMessageFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The events Google Cloud Functions' event functions take, read from a call's payload with the
 * CloudEvents Java SDK: a CloudEvent in the HTTP binary content mode ({@code ce-*} headers, the
 * data as the body — through the function URL) or the structured one ({@code
 * application/cloudevents+json}, also through {@code :invoke}); and, for background functions,
 * the legacy event shape {@code {"data", "context": {"eventId", "timestamp", "eventType",
 * "resource"}}} as well (CloudEvents spec 1.0, HTTP protocol binding §3).
 */
final class GoogleEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // the SDK finds its event formats once, by a service lookup through the thread's context class
        // loader; on a call's thread that is the app's, which sees none of them (the JSON format is
        // the sandbox's): look them up through the sandbox's own loader before any call does
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(GoogleEvents.class.getClassLoader());
        try {
            EventFormatProvider.getInstance();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    private GoogleEvents() {
    }

    /** The CloudEvent a call carries; a legacy event is converted ({@link GoogleLegacyEvents#toCloudEvent}). */
    static CloudEvent cloudEvent(Payload payload) {
        JsonNode legacy = legacy(payload);
        if (legacy != null) {
            return GoogleLegacyEvents.toCloudEvent(legacy);
        }
        try {
            MessageReader reader = switch (payload) {
                case Payload.Request r -> HttpMessageFactory.createReaderFromMultimap(r.request().headers(), r.request().body());
                case Payload.Body b -> HttpMessageFactory.createReader(Map.of("content-type",
                        b.contentType().isEmpty() || b.contentType().startsWith("application/json") ? "application/cloudevents+json" : b.contentType()),
                        b.bytes());
                default -> throw notAnEvent("an empty call");
            };
            return reader.toEvent();
        } catch (SkyfnException e) {
            throw e;
        } catch (RuntimeException e) {
            throw notAnEvent(e.getMessage());
        }
    }

    /** A background function's event: its data as JSON text, and its context. */
    record Background(String data, Context context) {
    }

    /**
     * The background event a call carries: the legacy {@code {"data", "context"}} shape, or a
     * CloudEvent — of a Google event type in its legacy form ({@link GoogleLegacyEvents#toLegacy}),
     * of any other type with its own type, source and extensions.
     */
    static Background background(Payload payload) {
        JsonNode legacy = legacy(payload);
        if (legacy != null) {
            JsonNode c = legacy.has("context") ? legacy.get("context") : legacy;
            return new Background(legacy.get("data").toString(), new EventContext(c.path("eventId").asText(null),
                    c.path("timestamp").asText(null), c.path("eventType").asText(null), c.path("resource").isTextual()
                    ? c.path("resource").asText() : c.path("resource").toString(), Map.of()));
        }
        CloudEvent event = cloudEvent(payload);
        GoogleLegacyEvents.Legacy converted = GoogleLegacyEvents.toLegacy(event);
        if (converted != null) {
            return new Background(converted.data().toString(), new EventContext(converted.eventId(), converted.timestamp(),
                    converted.eventType(), converted.resource(), Map.of()));
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        event.getExtensionNames().forEach(n -> attributes.put(n, String.valueOf(event.getExtension(n))));
        String data = event.getData() == null ? "null" : new String(event.getData().toBytes(), StandardCharsets.UTF_8);
        return new Background(data, new EventContext(event.getId(), event.getTime() == null ? null : event.getTime().toString(),
                event.getType(), event.getSource() + (event.getSubject() == null ? "" : "/" + event.getSubject()), attributes));
    }

    /** The legacy event a call's JSON body holds; null when it holds none (a CloudEvent, or anything else). */
    private static JsonNode legacy(Payload payload) {
        if (payload instanceof Payload.Request r && (r.request().header("ce-specversion") != null
                || String.valueOf(r.request().header("content-type")).startsWith("application/cloudevents"))) {
            return null;
        }
        if (payload instanceof Payload.Body b && b.contentType().startsWith("application/cloudevents")) {
            return null;
        }
        byte[] body = Codec.body(payload);
        if (body.length == 0) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(body);
            return GoogleLegacyEvents.isLegacy(json) ? json : null;
        } catch (IOException notJson) {
            return null; // a CloudEvent of another format, or nothing we read: the SDK says which
        }
    }

    private record EventContext(String eventId, String timestamp, String eventType, String resource, Map<String, String> attributes)
            implements Context {
    }

    /** How an event function's call is read and answered: the event in, nothing out (an empty 200 through its URL, as Google's). */
    static GrainWorker.Io io(java.util.function.Function<Payload, Object> read) {
        return new GrainWorker.Io() {
            @Override
            public Object in(Payload payload, dev.skyfn.api.Context ctx) {
                return read.apply(payload);
            }

            @Override
            public Payload out(Object result, Payload in) {
                return in instanceof Payload.Request ? new Payload.Response(new dev.skyfn.api.HttpResponse(200, Map.of(), new byte[0]))
                        : Payload.EMPTY;
            }
        };
    }

    private static SkyfnException notAnEvent(String why) {
        return new SkyfnException(ErrorCode.INVALID_INPUT, "an event function takes a CloudEvent: binary (ce-specversion, ce-id, "
                + "ce-source and ce-type headers, through the function URL) or structured (application/cloudevents+json); "
                + "or a legacy event ({\"data\", \"context\"}); this is none: " + why);
    }
}
