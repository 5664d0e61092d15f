package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** A failure the command reports in one line and exits 1 for. */
final class CliException extends RuntimeException {

    CliException(String message) {
        super(message, null, false, false);
    }

    /** From an error response: {@code CODE: message (invocation ...)}. */
    static CliException of(HttpResponse<byte[]> res) {
        try {
            JsonNode error = Json.MAPPER.readTree(res.body()).get("error");
            String invocation = error.has("invocationId") ? " (invocation " + error.get("invocationId").asText() + ")" : "";
            return new CliException(error.get("code").asText() + ": " + error.get("message").asText() + invocation);
        } catch (Exception notJson) {
            return new CliException("HTTP " + res.statusCode() + ": " + new String(res.body(), StandardCharsets.UTF_8));
        }
    }
}
