package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads what is particular to JSONata states: the QueryLanguage field, the fields each state type
 * has in JSONata, and their values ({@code Arguments}, {@code Output}, {@code Assign}, {@code Items},
 * {@code ItemSelector}, compiled as {@link JsonataValue}s).
 */
final class JsonataFields {

    private JsonataFields() {
    }

    /** The fields of each state type in a JSONata state, besides Type, Comment, Next, End and QueryLanguage. */
    static final Map<String, Set<String>> JSONATA_FIELDS = Map.of(
            "Task", Set.of("Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds"),
            "Pass", Set.of("Output", "Assign"),
            "Choice", Set.of("Choices", "Default", "Output", "Assign"),
            "Parallel", Set.of("Branches", "Arguments", "Output", "Assign", "Retry", "Catch"),
            "Map", Set.of("Items", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "Output", "Assign", "Retry", "Catch",
                    "Label", "ToleratedFailureCount", "ToleratedFailurePercentage"),
            "Wait", Set.of("Seconds", "Timestamp", "Output", "Assign"),
            "Succeed", Set.of("Output"),
            "Fail", Set.of("Error", "Cause"));
    static final Set<String> JSONATA_COMMON = Set.of("Type", "Comment", "Next", "End", "QueryLanguage");

    /** A QueryLanguage field, or {@code inherited} when there is none; JSONata's states hold no JSONPath state. */
    static boolean language(JsonNode json, boolean inherited, String at) {
        if (!json.has("QueryLanguage")) {
            return inherited;
        }
        String language = DefinitionReader.text(json, "QueryLanguage", at);
        if (!language.equals("JSONata") && !language.equals("JSONPath")) {
            throw new IllegalArgumentException(at + "QueryLanguage: JSONPath or JSONata, not '" + language + "'");
        }
        if (inherited && language.equals("JSONPath")) {
            throw new IllegalArgumentException(at + "QueryLanguage: a JSONata workflow cannot hold a JSONPath state");
        }
        return language.equals("JSONata");
    }

    /** A JSONata state's Arguments, Output, Items and ItemSelector. */
    static StateDef.Jsonata fields(JsonNode json, String at) {
        return new StateDef.Jsonata(optional(json, "Arguments", at), optional(json, "Output", at), optional(json, "Items", at),
                optional(json, "ItemSelector", at), json.path("MaxConcurrency").isTextual() ? optional(json, "MaxConcurrency", at) : null);
    }

    /**
     * The Assign field of a state, Catch or Choice rule: JSONata values, or in JSONPath a template
     * ({@code "name.$": "$.path"}) whose {@code $} is the state's result; {@link StateDef.Assign#NONE} without one.
     */
    static StateDef.Assign assign(JsonNode json, boolean jsonata, String at) {
        if (!json.has("Assign")) {
            return StateDef.Assign.NONE;
        }
        if (!json.get("Assign").isObject()) {
            throw new IllegalArgumentException(at + "Assign: expected an object of variable names to values");
        }
        Map<String, JsonataValue> values = new LinkedHashMap<>();
        json.get("Assign").properties().forEach(e -> {
            String name = jsonata ? e.getKey() : e.getKey().replaceFirst("\\.\\$$", "");
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,79}") || name.equals("states")) {
                throw new IllegalArgumentException(at + "Assign." + e.getKey() + ": a variable name is a letter or '_', then letters, "
                        + "digits or '_' (at most 80), and not 'states'");
            }
            if (jsonata) {
                values.put(name, value(e.getValue(), at + "Assign." + name));
            }
        });
        if (jsonata) {
            return new StateDef.Assign(values, null);
        }
        try {
            return new StateDef.Assign(Map.of(), Template.of(json.get("Assign")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + "Assign." + e.getMessage());
        }
    }

    static JsonataValue optional(JsonNode json, String field, String at) {
        return json.has(field) ? value(json.get(field), at + field) : null;
    }

    static JsonataValue value(JsonNode value, String at) {
        try {
            return JsonataValue.of(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }
}
