package dev.skyfn.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's legacy (background) events and CloudEvents, one as the other, as Cloud Functions'
 * Functions Framework converts them: a background function given a CloudEvent of a Google
 * event type gets the legacy event type, resource and data its code was written for; a CloudEvents
 * function given a legacy event gets the CloudEvent (type, {@code //service/…} source, subject,
 * data) that Eventarc would send. Pub/Sub, Cloud Storage, Firestore, Firebase Auth, Realtime
 * Database and Analytics, the types Cloud Functions ever delivered as legacy events.
 */
final class GoogleLegacyEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PUBSUB_MESSAGE = "type.googleapis.com/google.pubsub.v1.PubsubMessage";
    private static final Pattern SOURCE = Pattern.compile("//([^/]+)/(.+)");
    private static final Pattern STORAGE_RESOURCE = Pattern.compile("(projects/_/buckets/[^/]+)/(objects/.*?)(?:#\\d+)?");
    private static final Pattern DOCUMENT_RESOURCE = Pattern.compile("(projects/.+)/((documents|refs)/.+)");
    private static final Pattern LOCATION = Pattern.compile("/locations/[^/]+");

    /** How a kind of event's resource and data differ between its two forms. */
    private enum Shape { PUBSUB, STORAGE, DOCUMENT, AUTH, DATABASE }

    /** One event type in both forms: the first legacy name of a CloudEvent type is the one a background function sees. */
    private record Kind(String legacy, String cloudEvent, String service, Shape shape) {
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("google.pubsub.topic.publish", "google.cloud.pubsub.topic.v1.messagePublished", "pubsub.googleapis.com", Shape.PUBSUB),
            new Kind("providers/cloud.pubsub/eventTypes/topic.publish", "google.cloud.pubsub.topic.v1.messagePublished",
                    "pubsub.googleapis.com", Shape.PUBSUB),
            new Kind("google.storage.object.finalize", "google.cloud.storage.object.v1.finalized", "storage.googleapis.com", Shape.STORAGE),
            new Kind("google.storage.object.delete", "google.cloud.storage.object.v1.deleted", "storage.googleapis.com", Shape.STORAGE),
            new Kind("google.storage.object.archive", "google.cloud.storage.object.v1.archived", "storage.googleapis.com", Shape.STORAGE),
            new Kind("google.storage.object.metadataUpdate", "google.cloud.storage.object.v1.metadataUpdated", "storage.googleapis.com",
                    Shape.STORAGE),
            new Kind("providers/cloud.storage/eventTypes/object.change", "google.cloud.storage.object.v1.changed", "storage.googleapis.com",
                    Shape.STORAGE),
            new Kind("providers/cloud.firestore/eventTypes/document.write", "google.cloud.firestore.document.v1.written",
                    "firestore.googleapis.com", Shape.DOCUMENT),
            new Kind("providers/cloud.firestore/eventTypes/document.create", "google.cloud.firestore.document.v1.created",
                    "firestore.googleapis.com", Shape.DOCUMENT),
            new Kind("providers/cloud.firestore/eventTypes/document.update", "google.cloud.firestore.document.v1.updated",
                    "firestore.googleapis.com", Shape.DOCUMENT),
            new Kind("providers/cloud.firestore/eventTypes/document.delete", "google.cloud.firestore.document.v1.deleted",
                    "firestore.googleapis.com", Shape.DOCUMENT),
            new Kind("providers/firebase.auth/eventTypes/user.create", "google.firebase.auth.user.v1.created", "firebaseauth.googleapis.com",
                    Shape.AUTH),
            new Kind("providers/firebase.auth/eventTypes/user.delete", "google.firebase.auth.user.v1.deleted", "firebaseauth.googleapis.com",
                    Shape.AUTH),
            new Kind("providers/google.firebase.analytics/eventTypes/event.log", "google.firebase.analytics.log.v1.written",
                    "firebase.googleapis.com", Shape.DOCUMENT),
            new Kind("providers/google.firebase.database/eventTypes/ref.create", "google.firebase.database.ref.v1.created",
                    "firebasedatabase.googleapis.com", Shape.DATABASE),
            new Kind("providers/google.firebase.database/eventTypes/ref.write", "google.firebase.database.ref.v1.written",
                    "firebasedatabase.googleapis.com", Shape.DATABASE),
            new Kind("providers/google.firebase.database/eventTypes/ref.update", "google.firebase.database.ref.v1.updated",
                    "firebasedatabase.googleapis.com", Shape.DATABASE),
            new Kind("providers/google.firebase.database/eventTypes/ref.delete", "google.firebase.database.ref.v1.deleted",
                    "firebasedatabase.googleapis.com", Shape.DATABASE));

    private static final Map<String, Kind> BY_LEGACY = new HashMap<>();
    private static final Map<String, Kind> BY_CLOUD_EVENT = new HashMap<>();

    static {
        for (Kind k : KINDS) {
            BY_LEGACY.put(k.legacy(), k);
            BY_CLOUD_EVENT.putIfAbsent(k.cloudEvent(), k);
        }
    }

    private GoogleLegacyEvents() {
    }

    /** A legacy event in its parts: the resource is JSON text when it was an object. */
    record Legacy(String eventId, String timestamp, String eventType, String resource, JsonNode data) {
    }

    /**
     * The legacy form of {@code event}, when its type is one Cloud Functions delivered as a legacy
     * event; null otherwise (a background function then gets the CloudEvent's own attributes).
     */
    static Legacy toLegacy(CloudEvent event) {
        Kind kind = BY_CLOUD_EVENT.get(event.getType());
        Matcher source = SOURCE.matcher(event.getSource().toString());
        if (kind == null || !source.matches()) {
            return null;
        }
        String service = source.group(1);
        String name = source.group(2);
        String resource = name + "/" + event.getSubject();
        JsonNode data = read(event.getData() == null ? "{}" : new String(event.getData().toBytes(), StandardCharsets.UTF_8));
        String time = DateTimeFormatter.ISO_INSTANT.format(event.getTime() != null ? event.getTime() : OffsetDateTime.now());
        switch (kind.shape()) {
            case PUBSUB -> {
                resource = JSON.createObjectNode().put("service", service).put("name", name).put("type", PUBSUB_MESSAGE).toString();
                if (data.path("message").isObject()) {
                    data = data.get("message");
                }
                if (data instanceof ObjectNode o) {
                    o.remove(List.of("messageId", "publishTime"));
                }
            }
            case STORAGE -> {
                ObjectNode r = JSON.createObjectNode().put("service", service).put("name", resource);
                if (data.hasNonNull("kind")) {
                    r.put("type", data.get("kind").asText());
                }
                resource = r.toString();
            }
            case AUTH -> {
                resource = name;
                rename(data.path("metadata"), "createTime", "createdAt");
                rename(data.path("metadata"), "lastSignInTime", "lastSignedInAt");
            }
            case DATABASE -> resource = LOCATION.matcher(resource).replaceAll("");
            case DOCUMENT -> { }
        }
        return new Legacy(event.getId(), time, kind.legacy(), resource, data);
    }

    /**
     * The CloudEvent for a legacy event ({@code {"data", "context": {"eventId", "timestamp",
     * "eventType", "resource"}}}, or the same fields at the top); INVALID_INPUT for an event type
     * Cloud Functions never delivered.
     */
    static CloudEvent toCloudEvent(JsonNode legacy) {
        JsonNode context = legacy.has("context") ? legacy.get("context") : legacy;
        String type = context.path("eventType").asText();
        Kind kind = BY_LEGACY.get(type);
        if (kind == null) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "unrecognized legacy event type '" + type + "': a CloudEvents function "
                    + "takes a CloudEvent, or a legacy event of a type Cloud Functions delivered (Pub/Sub, Cloud Storage, Firestore, Firebase)");
        }
        JsonNode resourceNode = context.path("resource");
        String service = resourceNode.path("service").asText(kind.service());
        String resource = resourceNode.isTextual() ? resourceNode.asText() : resourceNode.path("name").asText();
        JsonNode data = legacy.path("data").deepCopy();
        String subject = null;
        Matcher m = switch (kind.shape()) {
            case STORAGE -> STORAGE_RESOURCE.matcher(resource);
            case DOCUMENT, DATABASE -> DOCUMENT_RESOURCE.matcher(resource);
            default -> null;
        };
        if (m != null && m.matches()) {
            resource = m.group(1);
            subject = m.group(2);
        }
        if (kind.shape() == Shape.PUBSUB) {
            data = JSON.createObjectNode().set("message", data);
        }
        if (kind.shape() == Shape.AUTH) {
            if (data.hasNonNull("uid")) {
                subject = "users/" + data.get("uid").asText();
            }
            rename(data.path("metadata"), "createdAt", "createTime");
            rename(data.path("metadata"), "lastSignedInAt", "lastSignInTime");
        }
        var builder = CloudEventBuilder.v1().withId(context.path("eventId").asText()).withType(kind.cloudEvent())
                .withSource(URI.create("//" + service + "/" + resource)).withSubject(subject)
                .withDataContentType("application/json").withData(data.toString().getBytes(StandardCharsets.UTF_8));
        if (context.hasNonNull("timestamp")) {
            builder.withTime(OffsetDateTime.parse(context.get("timestamp").asText()));
        }
        return builder.build();
    }

    /** Whether {@code json} is a legacy event: its data and an event type, in a context or at the top. */
    static boolean isLegacy(JsonNode json) {
        return json != null && json.isObject() && json.has("data")
                && (json.path("context").has("eventType") || json.has("eventType"));
    }

    private static void rename(JsonNode object, String from, String to) {
        if (object instanceof ObjectNode o && o.has(from)) {
            o.set(to, o.remove(from));
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "the event's data is not JSON: " + e.getMessage());
        }
    }
}
