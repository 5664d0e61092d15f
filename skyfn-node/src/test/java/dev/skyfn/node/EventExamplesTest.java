package dev.skyfn.node;

import static dev.skyfn.node.Errors.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.testing.JarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code examples/sketches} and {@code examples/etl}, built from their sources, fed by events on a real node. */
@Tag("slow")
class EventExamplesTest {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.dev(dir);
        var sketches = node.deploy(JarBuilder.example("sketches").jarOf(org.apache.datasketches.hll.HllSketch.class));
        assertThat(sketches.statusCode()).as(sketches.body()).isEqualTo(201);
        var etl = node.deploy(JarBuilder.example("etl"));
        assertThat(etl.statusCode()).as(etl.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static void publish(String subject, String json) {
        var res = node.send("POST", "/v1/topics/" + subject, json.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
    }

    @Test
    void sketchesOfAClickStreamEstimateViewsDistinctUsersAndLoadTimes() {
        var random = new Random(7);
        int clicks = 2_000;
        for (int i = 0; i < clicks; i++) {
            // /home gets a tenth of the clicks, 500 users, load times 1..200 ms
            String page = i % 10 == 0 ? "/home" : "/item/" + random.nextInt(300);
            publish("clicks.web", "{\"user\": \"u" + random.nextInt(500) + "\", \"page\": \"" + page + "\", \"loadMs\": " + (1 + i % 200) + "}");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> estimate("/home").get("clicks").asLong() == clicks);
        JsonNode home = estimate("/home");
        // Count-Min never undercounts, and overcounts by at most e/2048 of the clicks (with probability 1 - e^-5)
        assertThat(home.get("views").asLong()).isBetween(200L, 200L + 3);
        assertThat(home.get("distinctUsers").asLong()).isBetween(480L, 520L);
        assertThat(home.get("loadMsP50").asDouble()).isBetween(95.0, 106.0);
        assertThat(home.get("loadMsP99").asDouble()).isBetween(190.0, 200.0);
    }

    private static JsonNode estimate(String page) {
        var res = node.invoke("sketches", "estimate", "{\"page\": \"" + page + "\"}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res);
    }

    @Test
    void anEtlPipelineCleansAggregatesRejectsAndCompacts() {
        publish("orders.raw", "{\"id\": 1, \"amount\": 10, \"currency\": \"EUR\", \"country\": \"fr\"}");
        publish("orders.raw", "{\"id\": 2, \"amount\": 100, \"currency\": \"USD\", \"country\": \"US\"}");
        publish("orders.raw", "{\"id\": 3, \"amount\": -5, \"currency\": \"EUR\", \"country\": \"DE\"}");
        publish("orders.raw", "{\"id\": 4, \"amount\": 20, \"currency\": \"GBP\", \"country\": \"GB\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode r = report();
            long open = 0;
            for (JsonNode minute : r.get("openMinutes")) {
                open += Long.parseLong(minute.asText().replaceAll("^orders=(\\d+);.*", "$1"));
            }
            return open + Long.parseLong(r.get("totals").asText().replaceAll("^orders=(\\d+);.*", "$1")) == 3 && r.get("rejects").asLong() == 1;
        });
        assertThat(report().get("lastReject").asText()).startsWith("FUNCTION_ERROR: not an order");
        // a tick two minutes from now: every minute so far has ended and is folded into its day
        String tick = "{\"specversion\": \"1.0\", \"type\": \"dev.skyfn.schedule.v1.tick\", \"time\": \"" + Instant.now().plusSeconds(120) + "\"}";
        var compacted = node.invoke("etl", "compact", tick);
        assertThat(compacted.statusCode()).as(compacted.body()).isEqualTo(200);
        JsonNode r = report();
        assertThat(r.get("openMinutes")).isEmpty();
        assertThat(r.get("totals").asText()).isEqualTo("orders=3;eur=125.40;america=1;eu=2");
    }

    private static JsonNode report() {
        var res = node.send("POST", "/v1/apps/etl/functions/report:invoke", new byte[0], "Content-Type", "text/plain");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return json(res);
    }
}
