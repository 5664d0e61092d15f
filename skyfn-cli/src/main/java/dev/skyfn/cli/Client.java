package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The HTTP API from the command line's side: one request, and errors turned into {@link CliException}. */
final class Client {

    private final String baseUrl;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Client(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String contentType) {
        var request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofMinutes(16))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<byte[]> res;
        try {
            res = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new CliException("cannot reach skyfn at " + baseUrl + " (is 'skyfn dev' running? --url or SKYFN_URL point elsewhere)");
        } catch (IOException e) {
            throw new CliException("request to " + baseUrl + path + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
        if (res.statusCode() >= 400) {
            throw CliException.of(res);
        }
        return res;
    }

    JsonNode json(String method, String path, byte[] body) {
        return parse(send(method, path, body, body == null ? null : "application/json").body());
    }

    static JsonNode parse(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new CliException("the server answered something that is not JSON: " + new String(body, StandardCharsets.UTF_8));
        }
    }
}
