package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a field ending in {@code .$} (and a Fail state's ErrorPath or CausePath) holds: a path
 * ({@link JsonPath}) or an intrinsic function call ({@link Intrinsics}), evaluated against the
 * state's input and the context object.
 */
public interface Expression {

    JsonNode evaluate(JsonNode input, JsonNode context);

    /** A path, or an intrinsic call when the text starts with {@code States.}; IllegalArgumentException saying what is wrong. */
    static Expression parse(String text) {
        if (text != null && text.startsWith("States.")) {
            return Intrinsics.parse(text);
        }
        JsonPath path = JsonPath.parse(text);
        return path::read;
    }
}
