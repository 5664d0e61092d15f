package dev.skyfn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** A failure the command reports in one line and exits 1 for. */
final class CliException extends RuntimeException {

    CliException(String message) {
        super(message, null, false, false);
    }

    /** From an error response: {@code CODE: message (invocation ...)}. */
    static CliException of(Client.Response res) {
        try {
            JsonNode error = Client.parse(res.body()).get("error");
            String invocation = error.has("invocationId") ? " (invocation " + error.get("invocationId").asText() + ")" : "";
            return new CliException(error.get("code").asText() + ": " + error.get("message").asText() + invocation);
        } catch (Exception notJson) {
            return new CliException("HTTP " + res.statusCode() + ": " + new String(res.body(), StandardCharsets.UTF_8));
        }
    }
}
