package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.wire.Payload;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CloudEventJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant TIME = Instant.parse("2026-12-01T12:00:00.125Z");

    private static Event event(String type, byte[] data) {
        return new Event("acme", "orders", "1", "/me", "t", TIME, type, "k", Map.of("region", "eu"), data);
    }

    private static byte[] bytes(Payload p) {
        return ((Payload.Body) p).bytes();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "NONE", textBlock = """
            application/json              | {"n":1}  | data        | {"n":1}
            application/json; charset=utf-8 | [1, 2] | data        | [1,2]
            text/json                     | "s"      | data        | "s"
            application/cloudevents+json  | {"n":1}  | data        | {"n":1}
            NONE                          | {"n":1}  | data        | {"n":1}
            NONE                          | not json | data_base64 | "bm90IGpzb24="
            application/json              | {"n":    | data_base64 | "eyJuIjo="
            application/json              | {} {}    | data_base64 | "e30ge30="
            application/vnd.api+json      | {"n":1}  | data_base64 | "eyJuIjoxfQ=="
            text/plain; charset=utf-8     | héllo    | data        | "héllo"
            text/csv                      | a,"b"    | data        | "a,\\"b\\""
            application/octet-stream      | abc      | data_base64 | "YWJj"
            """)
    void carriesDataAsItsMediaTypeAsksAndAlwaysAsWellFormedJson(String type, String data, String field, String expected) throws Exception {
        Event e = event(type, data.getBytes(StandardCharsets.UTF_8));
        JsonNode ce = JSON.readTree(bytes(CloudEventJson.one(e)));
        assertThat(ce.get(field)).isEqualTo(JSON.readTree(expected));
        assertThat(ce.has(field.equals("data") ? "data_base64" : "data")).isFalse();
        assertThat(ce.get("specversion").asText()).isEqualTo("1.0");
        assertThat(ce.get("subject").asText()).isEqualTo("orders");
        assertThat(ce.get("partitionkey").asText()).isEqualTo("k");
        assertThat(ce.get("region").asText()).isEqualTo("eu");
        assertThat(ce.has("datacontenttype")).isEqualTo(type != null);
        JsonNode batch = JSON.readTree(bytes(CloudEventJson.batch(List.of(e, e))));
        assertThat(batch).hasSize(2);
        assertThat(batch.get(1)).isEqualTo(ce);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "NONE", textBlock = """
            application/json          | {"n":[1,2]}
            NONE                      | {"n":1}
            NONE                      | not json
            application/json          | {"n":
            text/plain                | héllo
            application/octet-stream  | abc
            application/json          | ''
            text/plain                | ''
            """)
    void theCloudEventsSdkReadsBackEveryAttributeAndTheDataAsSent(String type, String data) throws Exception {
        byte[] sent = data.getBytes(StandardCharsets.UTF_8);
        CloudEvent read = new JsonFormat().deserialize(bytes(CloudEventJson.one(event(type, sent))));
        assertThat(read.getId()).isEqualTo("1");
        assertThat(read.getSource()).hasToString("/me");
        assertThat(read.getType()).isEqualTo("t");
        assertThat(read.getSubject()).isEqualTo("orders");
        assertThat(read.getTime().toInstant()).isEqualTo(TIME);
        boolean asJson = (type == null || type.contains("json")) && data.startsWith("{\"n\":") && data.endsWith("}");
        // the SDK names JSON the media type of JSON data that came with none, as CloudEvents implies
        assertThat(read.getDataContentType()).isEqualTo(type == null && asJson ? "application/json" : type);
        assertThat(read.getExtension("partitionkey")).isEqualTo("k");
        assertThat(read.getExtension("region")).isEqualTo("eu");
        if (sent.length == 0 && (type == null || type.contains("json"))) {
            assertThat(read.getData()).isNull();
        } else if (asJson) {
            assertThat(JSON.readTree(read.getData().toBytes())).isEqualTo(JSON.readTree(sent));
        } else {
            assertThat(read.getData().toBytes()).isEqualTo(sent);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            text/plain                          | 61ff62
            text/plain; charset=iso-8859-1      | 636166e9
            text/csv; charset="UTF-16"          | 00610062
            text/plain; charset=utf-8           | c3
            """)
    void textNotInUtf8GoesAsBase64WithItsBytesKept(String type, String hex) throws Exception {
        byte[] sent = java.util.HexFormat.of().parseHex(hex);
        JsonNode ce = JSON.readTree(bytes(CloudEventJson.one(event(type, sent))));
        assertThat(ce.has("data")).isFalse();
        assertThat(ce.get("data_base64").binaryValue()).isEqualTo(sent);
        assertThat(new JsonFormat().deserialize(bytes(CloudEventJson.one(event(type, sent)))).getData().toBytes()).isEqualTo(sent);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            text/plain                          | true
            text/plain; charset=utf-8           | true
            text/plain;charset="UTF-8"          | true
            text/plain; format=flowed; charset=US-ASCII | true
            text/plain; charset=iso-8859-1      | false
            text/csv; charset=utf-16            | false
            """)
    void aTextTypeIsUtf8UnlessItsCharsetSaysOtherwise(String type, boolean utf8) {
        assertThat(CloudEventJson.utf8Charset(type)).isEqualTo(utf8);
    }

    @Test
    void jsonWithAByteOrderMarkOrNotInUtf8GoesAsBase64() throws Exception {
        byte[] json = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] marked = new byte[json.length + 3];
        marked[0] = (byte) 0xEF;
        marked[1] = (byte) 0xBB;
        marked[2] = (byte) 0xBF;
        System.arraycopy(json, 0, marked, 3, json.length);
        for (byte[] data : List.of(marked, "{\"n\":1}".getBytes(StandardCharsets.UTF_16BE), "{\"n\":1}".getBytes(StandardCharsets.UTF_16LE))) {
            for (Event e : List.of(event("application/json", data), event(null, data))) {
                JsonNode ce = JSON.readTree(bytes(CloudEventJson.one(e)));
                assertThat(ce.has("data")).isFalse();
                assertThat(ce.get("data_base64").binaryValue()).isEqualTo(data);
            }
        }
    }

    @Test
    void theTimeIsWrittenAsAnInstantWritesItself() {
        List<Instant> times = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 5), TIME, Instant.parse("2026-12-01T12:00:00Z"),
                Instant.parse("2026-12-01T12:00:00.000100Z"), Instant.parse("2026-12-01T12:00:00.000000001Z"), Instant.parse("+12026-01-01T00:00:00.5Z"),
                Instant.parse("2026-12-31T23:59:59.999999999Z")));
        var random = new java.util.Random(7);
        for (int i = 0; i < 2_000; i++) {
            long second = 1_700_000_000L + random.nextInt(3); // several events of one second, then another
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            times.add(Instant.ofEpochSecond(second, nano));
        }
        for (Instant t : times) {
            assertThat(CloudEventJson.time(t)).isEqualTo(t.toString());
        }
    }

    @Test
    void anExtensionNamedAsAnAttributeDoesNotWriteItTwice() throws Exception {
        Event e = new Event("acme", "orders", "1", "/me", "t", TIME, null, "k", Map.of("partitionkey", "other", "id", "2"), new byte[0]);
        String written = new String(bytes(CloudEventJson.one(e)), StandardCharsets.UTF_8);
        JsonNode ce = JSON.readTree(written);
        assertThat(ce.get("id").asText()).isEqualTo("1");
        assertThat(ce.get("partitionkey").asText()).isEqualTo("k");
        assertThat(written.split("\"id\"", -1)).hasSize(2);
    }
}
