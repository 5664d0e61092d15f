package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls to the nodes of an emulated fleet, as a user makes them. */
final class FleetCalls {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private FleetCalls() {
    }

    /** A request to {@code node}'s gateway; {@code headers} are names and values in turn. */
    static HttpResponse<String> send(EmulatedFleet fleet, String node, String method, String path, byte[] body, String... headers) {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fleet.node(node).port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "text/plain");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }
}
