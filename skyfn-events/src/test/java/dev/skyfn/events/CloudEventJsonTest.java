package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CloudEventJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            application/json              | {"n":1}  | data        | {"n":1}
            application/vnd.api+json      | {"n":1}  | data_base64 | "eyJuIjoxfQ=="
            text/plain; charset=utf-8     | héllo    | data        | "héllo"
            application/octet-stream      | abc      | data_base64 | "YWJj"
            """)
    void carriesDataAsItsMediaTypeAsks(String type, String data, String field, String expected) throws Exception {
        Event e = new Event("acme", "orders", "1", "/me", "t", Instant.parse("2026-12-01T12:00:00Z"), type, "k",
                Map.of("region", "eu"), data.getBytes(StandardCharsets.UTF_8));
        JsonNode ce = JSON.readTree(((Payload.Body) CloudEventJson.one(e)).bytes());
        assertThat(ce.get(field)).isEqualTo(JSON.readTree(expected));
        assertThat(ce.get("specversion").asText()).isEqualTo("1.0");
        assertThat(ce.get("subject").asText()).isEqualTo("orders");
        assertThat(ce.get("partitionkey").asText()).isEqualTo("k");
        assertThat(ce.get("region").asText()).isEqualTo("eu");
        JsonNode batch = JSON.readTree(((Payload.Body) CloudEventJson.batch(List.of(e, e))).bytes());
        assertThat(batch).hasSize(2);
        assertThat(batch.get(1).get(field)).isEqualTo(JSON.readTree(expected));
    }
}
