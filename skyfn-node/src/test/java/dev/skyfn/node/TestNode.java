package dev.skyfn.node;

import dev.skyfn.core.testing.JarBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A real node (real HTTP, real sandbox processes) on a free port, and a client for it. */
final class TestNode implements AutoCloseable {

    final SingleNode platform;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String apiKey;

    private TestNode(SingleNode platform, String apiKey) {
        this.platform = platform;
        this.apiKey = apiKey;
    }

    static NodeConfig.Builder config(Path dir) {
        return NodeConfig.builder(dir).port(0).spareSandboxes(1).aotCache(false)
                .cancelGrace(Duration.ofMillis(500)).reapInterval(Duration.ofMillis(100));
    }

    /** A fleet of one cloud, {@code a}, and one node, {@code a-1}. */
    static final String ONE_NODE_FLEET = """
            clouds:
              a: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {a-1: {}}}
            users:
              eu: {a: 5}
            """;

    /**
     * Node {@code node} of cloud {@code cloud} in a fleet whose NATS servers {@code nats} runs:
     * a heartbeat every 200 ms, dead after 2 s of silence, tenants' data sealed by {@code sealer}.
     */
    static dev.skyfn.node.cluster.ClusterConfig fleet(dev.skyfn.nats.servers.LocalNats nats, dev.skyfn.core.cloud.Topology topology,
                                                     String cloud, String node, dev.skyfn.nats.seal.Sealer sealer) {
        return new dev.skyfn.node.cluster.ClusterConfig(nats.access(cloud, node), topology, node, Duration.ofMillis(200),
                Duration.ofSeconds(2), false, sealer, dev.skyfn.node.cluster.Faults.NONE);
    }

    static TestNode dev(Path dir) {
        return new TestNode(SingleNode.start(config(dir).build(), true), null);
    }

    static TestNode start(NodeConfig config, boolean dev) {
        return new TestNode(SingleNode.start(config, dev), null);
    }

    TestNode as(String key) {
        return new TestNode(platform, key);
    }

    /** A new tenant, made with this client's (admin) key; a client with the tenant's own key. */
    TestNode tenant(String name) {
        HttpResponse<String> created = send("POST", "/v1/tenants", ("{\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8));
        if (created.statusCode() != 201) {
            throw new AssertionError("tenant " + name + " not created: " + created.body());
        }
        return as(Errors.json(created).get("apiKey").asText());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + platform.port() + path);
    }

    HttpResponse<String> send(String method, String path, byte[] body, String... headers) {
        var b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send("GET", path, null);
    }

    HttpResponse<String> deploy(JarBuilder jar) {
        return send("POST", "/v1/apps", jar.bytes(), "Content-Type", "application/java-archive");
    }

    HttpResponse<String> invoke(String app, String function, String body) {
        return send("POST", "/v1/apps/" + app + "/functions/" + function + ":invoke", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
    }

    @Override
    public void close() {
        if (apiKey == null) {
            platform.close();
        }
    }
}
