package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How data goes through one state, in its query language: what its work (a Task's function, a
 * Parallel's branches, a Map's items) is given, what the state passes on, what a Catch passes on,
 * and — in JSONata — which workflow variables it assigns. JSONPath states (the default) go
 * InputPath → Parameters → work → ResultSelector → ResultPath → OutputPath; JSONata states go
 * Arguments → work → Output, with Assign, as the Amazon States Language defines them.
 *
 * @param context   the context object ($$, $states.context), built when first read
 * @param variables the workflow variables the state sees (JSONata)
 */
record DataFlow(StateDef.Io io, Supplier<JsonNode> context, Map<String, JsonNode> variables) {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** What the state's work is given: JSONPath's InputPath then Parameters; JSONata's Arguments, else the input. */
    JsonNode effective(JsonNode input) {
        StateDef.Jsonata j = io.jsonata();
        if (j != null) {
            return j.arguments() == null ? input : j.arguments().evaluate(scope(input, null, null));
        }
        JsonNode in = in(input);
        return io.parameters() == null ? in : io.parameters().apply(in, context.get(), variables);
    }

    /**
     * What a state without work (Pass, Choice, Wait, Succeed) passes on. In JSONPath, {@code result}
     * is its result — a Pass's Result, else what {@link #effective} made of its input — put at
     * ResultPath; JSONata passes on its Output, else its input.
     */
    JsonNode passOn(JsonNode input, JsonNode result) {
        StateDef.Jsonata j = io.jsonata();
        if (j != null) {
            return j.output() == null ? input : j.output().evaluate(scope(input, null, null));
        }
        return out(resultInto(input, result));
    }

    /** What a state passes on after its work gave {@code result}. */
    JsonNode passOnResult(JsonNode input, JsonNode result) {
        StateDef.Jsonata j = io.jsonata();
        if (j != null) {
            return j.output() == null ? result : j.output().evaluate(scope(input, result, null));
        }
        return out(resultInto(input, selected(result)));
    }

    /** A path of the state (SecondsPath, MaxConcurrencyPath…) read from {@code data}, the context object or a variable. */
    JsonNode read(JsonPath path, JsonNode data) {
        return path.read(data, path.context() ? context.get() : null, variables);
    }

    /** A work's result after ResultSelector (JSONPath). */
    JsonNode selected(JsonNode result) {
        return io.resultSelector() == null || io.jsonata() != null ? result : io.resultSelector().apply(result, context.get(), variables);
    }

    /** What a Catch passes on for {@code error} ({@code {"Error", "Cause"}}). */
    JsonNode caught(StateDef.Catcher c, JsonNode input, ObjectNode error) {
        if (io.jsonata() != null) {
            return c.output() == null ? error : c.output().evaluate(scope(input, null, error));
        }
        return c.resultPath().isNull() ? input : c.resultPath().path().write(input, error);
    }

    /**
     * The variables after {@code assign} — the state's, a Catch's (given its {@code error}) or a
     * Choice rule's: every value evaluated with the variables as they were before, then all
     * assigned at once. In JSONPath, {@code $} is the state's {@code result} (a Catch's: the error).
     */
    Map<String, JsonNode> assigned(StateDef.Assign assign, JsonNode input, JsonNode result, JsonNode error) {
        if (assign.none()) {
            return variables;
        }
        Map<String, JsonNode> next = new LinkedHashMap<>(variables);
        if (assign.jsonPath() != null) {
            JsonNode dollar = error != null ? error : result != null ? result : in(input);
            assign.jsonPath().apply(dollar, context.get(), variables).properties().forEach(e -> next.put(e.getKey(), e.getValue()));
            return next;
        }
        JsonataValue.Scope scope = scope(input, result, error);
        assign.jsonata().forEach((name, value) -> next.put(name, value.evaluate(scope)));
        return next;
    }

    /** A Map's items: JSONata's Items, else its input; JSONPath's ItemsPath read from the effective input. */
    JsonNode items(StateDef.MapState m, JsonNode input, JsonNode effective) {
        StateDef.Jsonata j = io.jsonata();
        if (j != null) {
            return j.items() == null ? input : j.items().evaluate(scope(input, null, null));
        }
        return read(m.itemsPath(), effective);
    }

    /** One Map item's input: the item, or what ItemSelector makes of it with {@code itemContext} as the context object. */
    JsonNode item(StateDef.MapState m, JsonNode input, JsonNode effective, JsonNode item, JsonNode itemContext) {
        StateDef.Jsonata j = io.jsonata();
        if (j != null) {
            return j.itemSelector() == null ? item
                    : j.itemSelector().evaluate(new JsonataValue.Scope(input, itemContext, null, null, variables));
        }
        return m.itemSelector() == null ? item : m.itemSelector().apply(effective, itemContext, variables);
    }

    JsonataValue.Scope scope(JsonNode input, JsonNode result, JsonNode error) {
        return new JsonataValue.Scope(input, context.get(), result, error, variables);
    }

    /** InputPath: {@code {}} for null. */
    JsonNode in(JsonNode input) {
        return read(io.inputPath(), input);
    }

    private JsonNode out(JsonNode output) {
        return read(io.outputPath(), output);
    }

    private JsonNode read(StateDef.Path path, JsonNode data) {
        if (path.isNull()) {
            return JSON.objectNode();
        }
        return read(path.path(), data);
    }

    private JsonNode resultInto(JsonNode input, JsonNode result) {
        return io.resultPath().isNull() ? input : io.resultPath().path().write(input, result);
    }
}
