package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a field ending in {@code .$} (and a Fail state's ErrorPath or CausePath) holds: a path
 * ({@link JsonPath}) or an intrinsic function call ({@link Intrinsics}), evaluated against the
 * state's input and the context object.
 */
public interface Expression {

    JsonNode evaluate(JsonNode input, JsonNode context);

    /** {@link #evaluate(JsonNode, JsonNode)} with the workflow's variables, which a JSONata expression may read. */
    default JsonNode evaluate(JsonNode input, JsonNode context, java.util.Map<String, JsonNode> variables) {
        return evaluate(input, context);
    }

    /** A JSONata state's value ({@code "{% … %}"} or a literal) as an expression of the state's input. */
    static Expression of(JsonataValue value) {
        return new Expression() {
            @Override
            public JsonNode evaluate(JsonNode input, JsonNode context) {
                return evaluate(input, context, java.util.Map.of());
            }

            @Override
            public JsonNode evaluate(JsonNode input, JsonNode context, java.util.Map<String, JsonNode> variables) {
                return value.evaluate(new JsonataValue.Scope(input, context, null, null, variables));
            }
        };
    }

    /** A path, or an intrinsic call when the text starts with {@code States.}; IllegalArgumentException saying what is wrong. */
    static Expression parse(String text) {
        if (text != null && text.startsWith("States.")) {
            return IntrinsicParser.parse(text);
        }
        JsonPath path = JsonPath.parse(text);
        return new Expression() {
            @Override
            public JsonNode evaluate(JsonNode input, JsonNode context) {
                return path.read(input, context);
            }

            @Override
            public JsonNode evaluate(JsonNode input, JsonNode context, java.util.Map<String, JsonNode> variables) {
                return path.read(input, context, variables);
            }
        };
    }
}
