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
            String code = error.get("code").asText();
            // the server's words are for any client; this one takes the key from its own flag or environment
            String hint = code.equals("UNAUTHENTICATED") ? " (this command sends the key given with --key or in SKYFN_API_KEY)" : "";
            return new CliException(code + ": " + error.get("message").asText() + invocation + hint);
        } catch (Exception notJson) {
            return new CliException("HTTP " + res.statusCode() + ": " + new String(res.body(), StandardCharsets.UTF_8));
        }
    }
}
