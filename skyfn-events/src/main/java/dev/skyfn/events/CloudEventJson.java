package dev.skyfn.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.wire.Payload;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Events as functions get them: CloudEvents 1.0 in the structured JSON mode
 * ({@code application/cloudevents+json}: {@code specversion}, {@code id}, {@code source},
 * {@code type}, {@code time}, {@code subject}, {@code datacontenttype}, extensions, and {@code data} —
 * JSON as it is, text ({@code text/*}) as a string, other media types as {@code data_base64}), several as a JSON array
 * ({@code application/cloudevents-batch+json}), both written by the CloudEvents Java SDK.
 */
final class CloudEventJson {

    static final String STRUCTURED = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";
    private static final JsonFormat FORMAT = new JsonFormat();
    /** Text goes as a JSON string, which a subscriber reads as it is; other media types as base64. */
    private static final JsonFormat TEXT = new JsonFormat().withForceNonJsonDataToString();
    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudEventJson() {
    }

    static Payload one(Event e) {
        return new Payload.Body(STRUCTURED, format(e).serialize(cloudEvent(e)));
    }

    static Payload batch(List<Event> events) {
        ArrayNode array = JSON.createArrayNode();
        try {
            for (Event e : events) {
                array.add(JSON.readTree(format(e).serialize(cloudEvent(e))));
            }
            return new Payload.Body(BATCH, JSON.writeValueAsBytes(array));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static JsonFormat format(Event e) {
        return e.contentType() != null && e.contentType().startsWith("text/") ? TEXT : FORMAT;
    }

    /** Whether data of {@code contentType} is JSON, which the envelope embeds as it is (and which must then parse). */
    static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json") || type.equals("text/json");
    }

    private static CloudEvent cloudEvent(Event e) {
        var b = CloudEventBuilder.v1().withId(e.id()).withSource(URI.create(e.source())).withType(e.type())
                .withTime(e.time().atOffset(ZoneOffset.UTC)).withSubject(e.subject());
        if (e.contentType() != null) {
            b.withDataContentType(e.contentType());
        }
        if (e.data().length > 0 || e.contentType() != null) {
            b.withData(e.data());
        }
        if (e.partitionKey() != null) {
            b.withExtension("partitionkey", e.partitionKey());
        }
        e.extensions().forEach(b::withExtension);
        return b.build();
    }
}
