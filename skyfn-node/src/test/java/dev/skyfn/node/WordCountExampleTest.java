package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.nats.servers.LocalNats;
import dev.skyfn.node.cluster.ClusterNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word count of {@code examples/wordcount}, built from its sources, on a real node: alone, and
 * as a node of a fleet whose ephemeral namespaces are in JetStream, with and without a data key.
 * Its input leaves chunks empty, so the mappers shuffle empty shares.
 */
@Tag("slow")
class WordCountExampleTest {

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void countsATextThatLeavesChunksEmptyOnANodeAlone() throws Exception {
        try (TestNode node = TestNode.dev(dir)) {
            countsATextThatLeavesChunksEmpty(node.platform.port());
        }
    }

    @Test
    void countsATextThatLeavesChunksEmptyOnAFleetWithoutADataKey() throws Exception {
        onAFleetNode(Sealer.none());
    }

    @Test
    void countsATextThatLeavesChunksEmptyOnAFleetThatSealsItsData() throws Exception {
        onAFleetNode(Sealer.of(HexFormat.of().parseHex(Sealer.newKey())));
    }

    private void onAFleetNode(Sealer sealer) throws Exception {
        Topology topology = TopologyReader.read(TestNode.ONE_NODE_FLEET.getBytes(StandardCharsets.UTF_8));
        try (LocalNats nats = LocalNats.start(topology, dir.resolve("nats"));
             ClusterNode node = ClusterNode.start(TestNode.config(dir.resolve("a-1")).build(),
                     TestNode.fleet(nats, topology, "a", "a-1", sealer), true)) {
            // the app can be placed once the node has heard its own heartbeat
            await().atMost(Duration.ofSeconds(30)).until(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + "/v1/nodes")).build(), HttpResponse.BodyHandlers.ofString())
                    .body().contains("\"alive\":true"));
            countsATextThatLeavesChunksEmpty(node.port());
        }
    }

    private void countsATextThatLeavesChunksEmpty(int port) throws Exception {
        HttpResponse<String> deployed = send(port, "/v1/apps", "application/java-archive", JarBuilder.example("wordcount").bytes());
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        // one short line cut in four chunks leaves the last three empty; three partitions for two words leave one empty
        HttpResponse<String> res = send(port, "/v1/apps/wordcount/workflows/count/executions", "application/json", """
                {"documents": [{"name": "a", "text": "two one two"}], "chunks": 4, "partitions": 3}
                """.getBytes(StandardCharsets.UTF_8));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode done = Json.MAPPER.readTree(res.body());
        assertThat(done.get("status").asText()).as(res.body()).isEqualTo("SUCCEEDED");
        JsonNode summary = done.get("output");
        assertThat(summary.get("words").asLong()).isEqualTo(3);
        assertThat(summary.get("distinct").asLong()).isEqualTo(2);
        assertThat(summary.get("chunks").asInt()).isEqualTo(4);
        assertThat(summary.get("top").toString()).isEqualTo("[{\"word\":\"two\",\"count\":2},{\"word\":\"one\",\"count\":1}]");
    }

    private HttpResponse<String> send(int port, String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
