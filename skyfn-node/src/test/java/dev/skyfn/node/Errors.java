package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.control.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;

/** Assertions on the error contract: status, stable code, a message a person can act on. */
final class Errors {

    private Errors() {
    }

    static JsonNode json(HttpResponse<String> res) {
        try {
            return Json.MAPPER.readTree(res.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + res.body(), e);
        }
    }

    static JsonNode assertError(HttpResponse<String> res, int status, String code, String messagePart) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode error = json(res).get("error");
        assertThat(error.get("code").asText()).as(res.body()).isEqualTo(code);
        assertThat(error.get("message").asText()).as(res.body()).contains(messagePart);
        return error;
    }
}
