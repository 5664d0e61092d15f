package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.nats.servers.LocalNats;
import dev.skyfn.node.cluster.ClusterNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's bus: two nodes in two clouds on real NATS servers, the app placed on one, every call
 * made through the other's gateway and carried over NATS request/reply.
 */
@Tag("slow")
class FleetBusTest extends BusConformance {

    private static final String TOPOLOGY = """
            clouds:
              a: {provider: aws, region: eu-west-1, trust: trusted, pricing: {model: owned}, nodes: {a-1: {}}}
              b: {provider: gcp, region: eu-west-2, pricing: {model: on-demand}, nodes: {b-1: {}}}
            users:
              eu: {a: 5, b: 5}
            latency:
              a: {b: 2}
            """;

    @TempDir
    static Path dir;
    private LocalNats nats;
    private ClusterNode caller;
    private ClusterNode server;
    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    protected void deploy() {
        Topology topology = TopologyReader.read(TOPOLOGY.getBytes(StandardCharsets.UTF_8));
        nats = LocalNats.start(topology, dir.resolve("nats"));
        caller = start(topology, "a-1", "a");
        server = start(topology, "b-1", "b");
        // the app can be placed on b-1 only once a-1 has heard it is alive
        await().atMost(Duration.ofSeconds(30)).until(() -> send("GET", "/v1/nodes", null).body().split("\"alive\":true", -1).length - 1 == 2);
        HttpResponse<String> res = send("POST", "/v1/apps",
                JarBuilder.app(MANIFEST + "placement: {affinity: [{name: b, clouds: [b]}]}\n").classes(CLASSES).bytes());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
    }

    private ClusterNode start(Topology topology, String node, String cloud) {
        var config = TestNode.config(dir.resolve(node)).build();
        return ClusterNode.start(config, TestNode.fleet(nats, topology, cloud, node, dev.skyfn.nats.seal.Sealer.none()), true);
    }

    @Override
    protected HttpResponse<String> send(String method, String path, byte[] body, String... headers) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + caller.port() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            HttpResponse<String> res = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (path.endsWith(":invoke") && res.statusCode() != 404) {
                assertThat(res.headers().firstValue("X-Skyfn-Node")).as("the call crossed to the other node").hasValue("b-1");
            }
            return res;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[]{caller, server, nats}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }
}
