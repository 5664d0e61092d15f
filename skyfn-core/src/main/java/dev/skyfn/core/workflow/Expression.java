package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What a field ending in {@code .$} (and a Fail state's ErrorPath or CausePath) holds: a path
 * ({@link JsonPath}) or an intrinsic function call ({@link Intrinsics}), evaluated against the
 * state's input and the context object.
 */
public interface Expression {

    /** The value for the state's input, the context object and the workflow's variables. */
    JsonNode evaluate(JsonNode input, JsonNode context, Map<String, JsonNode> variables);

    /** A JSONata state's value ({@code "{% … %}"} or a literal) as an expression of the state's input. */
    static Expression of(JsonataValue value) {
        return (input, context, variables) -> value.evaluate(new JsonataValue.Scope(input, context, null, null, variables));
    }

    /** A path, or an intrinsic call when the text starts with {@code States.}; IllegalArgumentException saying what is wrong. */
    static Expression parse(String text) {
        if (text != null && text.startsWith("States.")) {
            return IntrinsicParser.parse(text);
        }
        return JsonPath.parse(text)::read;
    }
}
