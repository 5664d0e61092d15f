package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/** Google's events in both forms, with the values the Functions Framework gives. */
class GoogleLegacyEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static CloudEvent event(String type, String source, String subject, String data) {
        return CloudEventBuilder.v1().withId("e-1").withType(type).withSource(URI.create(source)).withSubject(subject)
                .withTime(OffsetDateTime.parse("2026-12-01T10:00:00.5Z")).withData("application/json", data.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String data(CloudEvent e) {
        return new String(e.getData().toBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aPubSubMessageGivesABackgroundFunctionTheMessageAndTheTopicAsResource() throws Exception {
        var legacy = GoogleLegacyEvents.toLegacy(event("google.cloud.pubsub.topic.v1.messagePublished",
                "//pubsub.googleapis.com/projects/p/topics/t", null, """
                        {"message": {"data": "aGk=", "attributes": {"a": "1"}, "messageId": "9", "publishTime": "2026-12-01T10:00:00Z"},
                         "subscription": "projects/p/subscriptions/s"}"""));
        assertThat(legacy.eventType()).isEqualTo("google.pubsub.topic.publish");
        assertThat(legacy.eventId()).isEqualTo("e-1");
        assertThat(legacy.timestamp()).isEqualTo("2026-12-01T10:00:00.500Z");
        assertThat(legacy.resource()).isEqualTo("{\"service\":\"pubsub.googleapis.com\",\"name\":\"projects/p/topics/t\","
                + "\"type\":\"type.googleapis.com/google.pubsub.v1.PubsubMessage\"}");
        assertThat(legacy.data()).isEqualTo(json("{\"data\": \"aGk=\", \"attributes\": {\"a\": \"1\"}}"));
    }

    @Test
    void aStorageEventGivesTheObjectAsResourceWithItsKind() throws Exception {
        var legacy = GoogleLegacyEvents.toLegacy(event("google.cloud.storage.object.v1.finalized",
                "//storage.googleapis.com/projects/_/buckets/b", "objects/photo.png", "{\"kind\": \"storage#object\", \"name\": \"photo.png\"}"));
        assertThat(legacy.eventType()).isEqualTo("google.storage.object.finalize");
        assertThat(legacy.resource()).isEqualTo("{\"service\":\"storage.googleapis.com\",\"name\":\"projects/_/buckets/b/objects/photo.png\","
                + "\"type\":\"storage#object\"}");
        assertThat(legacy.data().get("name").asText()).isEqualTo("photo.png");
    }

    @Test
    void authAndDatabaseEventsTakeTheirLegacyNamesAndResources() throws Exception {
        var user = GoogleLegacyEvents.toLegacy(event("google.firebase.auth.user.v1.created", "//firebaseauth.googleapis.com/projects/p",
                "users/u1", "{\"uid\": \"u1\", \"metadata\": {\"createTime\": \"2026-01-01T00:00:00Z\", \"lastSignInTime\": \"x\"}}"));
        assertThat(user.eventType()).isEqualTo("providers/firebase.auth/eventTypes/user.create");
        assertThat(user.resource()).isEqualTo("projects/p");
        assertThat(user.data().get("metadata")).isEqualTo(json("{\"createdAt\": \"2026-01-01T00:00:00Z\", \"lastSignedInAt\": \"x\"}"));
        var ref = GoogleLegacyEvents.toLegacy(event("google.firebase.database.ref.v1.written",
                "//firebasedatabase.googleapis.com/projects/_/locations/us-central1/instances/db", "refs/users/u1", "{}"));
        assertThat(ref.eventType()).isEqualTo("providers/google.firebase.database/eventTypes/ref.write");
        assertThat(ref.resource()).isEqualTo("projects/_/instances/db/refs/users/u1");
    }

    @Test
    void anEventOfAnotherTypeHasNoLegacyForm() {
        assertThat(GoogleLegacyEvents.toLegacy(event("com.example.order.placed", "//shop/orders", null, "{}"))).isNull();
    }

    @Test
    void aLegacyStorageEventGivesACloudEventsFunctionTheBucketAsSourceAndTheObjectAsSubject() throws Exception {
        CloudEvent e = GoogleLegacyEvents.toCloudEvent(json("""
                {"data": {"kind": "storage#object", "name": "photo.png"},
                 "context": {"eventId": "l-1", "timestamp": "2026-12-01T10:00:00Z", "eventType": "google.storage.object.finalize",
                  "resource": {"service": "storage.googleapis.com", "name": "projects/_/buckets/b/objects/photo.png#1623", "type": "storage#object"}}}"""));
        assertThat(e.getType()).isEqualTo("google.cloud.storage.object.v1.finalized");
        assertThat(e.getSource()).hasToString("//storage.googleapis.com/projects/_/buckets/b");
        assertThat(e.getSubject()).isEqualTo("objects/photo.png");
        assertThat(e.getId()).isEqualTo("l-1");
        assertThat(e.getTime()).isEqualTo(OffsetDateTime.parse("2026-12-01T10:00:00Z"));
        assertThat(json(data(e))).isEqualTo(json("{\"kind\": \"storage#object\", \"name\": \"photo.png\"}"));
    }

    @Test
    void aLegacyPubSubMessageIsWrappedAsEventarcSendsIt() throws Exception {
        CloudEvent e = GoogleLegacyEvents.toCloudEvent(json("""
                {"eventId": "l-2", "eventType": "providers/cloud.pubsub/eventTypes/topic.publish", "resource": "projects/p/topics/t",
                 "data": {"data": "aGk="}}"""));
        assertThat(e.getType()).isEqualTo("google.cloud.pubsub.topic.v1.messagePublished");
        assertThat(e.getSource()).hasToString("//pubsub.googleapis.com/projects/p/topics/t");
        assertThat(json(data(e))).isEqualTo(json("{\"message\": {\"data\": \"aGk=\"}}"));
    }

    @Test
    void legacyDocumentAndUserEventsGetTheirSubjects() throws Exception {
        CloudEvent doc = GoogleLegacyEvents.toCloudEvent(json("""
                {"data": {}, "context": {"eventId": "l-3", "eventType": "providers/cloud.firestore/eventTypes/document.write",
                 "resource": "projects/p/databases/(default)/documents/users/ada"}}"""));
        assertThat(doc.getType()).isEqualTo("google.cloud.firestore.document.v1.written");
        assertThat(doc.getSource()).hasToString("//firestore.googleapis.com/projects/p/databases/(default)");
        assertThat(doc.getSubject()).isEqualTo("documents/users/ada");
        CloudEvent user = GoogleLegacyEvents.toCloudEvent(json("""
                {"data": {"uid": "u1", "metadata": {"createdAt": "t"}}, "context": {"eventId": "l-4",
                 "eventType": "providers/firebase.auth/eventTypes/user.delete", "resource": "projects/p"}}"""));
        assertThat(user.getSubject()).isEqualTo("users/u1");
        assertThat(json(data(user)).get("metadata")).isEqualTo(json("{\"createTime\": \"t\"}"));
    }

    @Test
    void aLegacyEventOfATypeCloudFunctionsNeverSentIsInvalidInput() {
        assertThatThrownBy(() -> GoogleLegacyEvents.toCloudEvent(json("{\"data\": {}, \"context\": {\"eventType\": \"x.y\"}}")))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining("unrecognized legacy event type 'x.y'");
    }
}
