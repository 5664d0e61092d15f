package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a state machine in the Amazon States Language subset and checks it, so that a bad one is
 * refused at deploy with the state and field named: unknown fields and state types, unknown Next
 * targets, unreachable states, no way to end, bad paths, Task resources that name no function.
 */
public final class DefinitionReader {

    private static final Set<String> COMMON = Set.of("Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage");
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "Task", Set.of("Resource", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch", "TimeoutSeconds", "Assign"),
            "Pass", Set.of("Result", "ResultPath", "Parameters", "Assign"),
            "Choice", Set.of("Choices", "Default", "Assign"),
            "Parallel", Set.of("Branches", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch", "Assign"),
            "Map", Set.of("Iterator", "ItemProcessor", "ItemsPath", "MaxConcurrency", "MaxConcurrencyPath", "Parameters",
                    "ItemSelector", "ResultPath", "ResultSelector", "Retry", "Catch", "Label", "ToleratedFailureCount",
                    "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Assign"),
            "Wait", Set.of("Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"),
            "Succeed", Set.of(),
            "Fail", Set.of("Error", "Cause", "ErrorPath", "CausePath"));
    /** What AWS has and skyfn does not (yet), each with what a definition using it is told. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "ItemBatcher", "ItemBatcher belongs to a distributed Map, which skyfn does not run: it runs inline Maps",
            "ItemReader", "a distributed Map (ItemReader) is not supported: skyfn runs inline Maps",
            "ResultWriter", "a distributed Map (ResultWriter) is not supported: skyfn runs inline Maps",
            "Credentials", "Task Credentials are not supported: a task runs with its app's own rights",
            "HeartbeatSeconds", "HeartbeatSeconds is not supported: tasks are functions that answer once",
            "TimeoutSecondsPath", "TimeoutSecondsPath is not supported yet: give TimeoutSeconds");
    private static final Set<String> TERMINAL_TYPES = Set.of("Succeed", "Fail");
    private final Set<String> functions;
    /** Whether the state being read is a JSONata one. */
    private boolean jsonata;

    /** {@code functions}: the app's own, which a Task's {@code Resource} may name; others are {@code app/function}. */
    private DefinitionReader(Set<String> functions) {
        this.functions = functions;
    }

    public static Definition read(JsonNode json, Set<String> functions) {
        return new DefinitionReader(functions).machine(json, "", false);
    }

    /** A machine (the workflow, a Parallel branch, a Map's processor); {@code jsonata}: its enclosing language. */
    private Definition machine(JsonNode json, String at, boolean jsonata) {
        if (!json.isObject()) {
            throw new IllegalArgumentException(at + "expected an object with StartAt and States");
        }
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            unsupported(e.getKey(), e.getValue(), at);
            if (!Set.of("StartAt", "States", "Comment", "TimeoutSeconds", "Version", "ProcessorConfig", "QueryLanguage").contains(e.getKey())) {
                throw new IllegalArgumentException(at + e.getKey() + ": unknown field (known: StartAt, States, Comment, TimeoutSeconds)");
            }
        }
        boolean language = JsonataFields.language(json, jsonata, at);
        String startAt = text(json, "StartAt", at);
        JsonNode statesJson = json.get("States");
        if (statesJson == null || !statesJson.isObject() || statesJson.isEmpty()) {
            throw new IllegalArgumentException(at + "States: expected an object of at least one state");
        }
        Map<String, StateDef> states = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : statesJson.properties()) {
            if (e.getKey().isEmpty() || e.getKey().length() > 80) {
                throw new IllegalArgumentException(at + "States: a state name is 1 to 80 characters");
            }
            states.put(e.getKey(), state(e.getKey(), e.getValue(), at + "state \"" + e.getKey() + "\": ", language));
        }
        var definition = new Definition(startAt, states, seconds(json, "TimeoutSeconds", at));
        DefinitionGraph.check(definition, at);
        return definition;
    }

    private StateDef state(String name, JsonNode json, String at, boolean inherited) {
        if (!json.isObject()) {
            throw new IllegalArgumentException(at + "expected an object");
        }
        String type = text(json, "Type", at);
        Set<String> allowed = FIELDS.get(type);
        if (allowed == null) {
            throw new IllegalArgumentException(at + "Type: '" + type + "' is not a state type (" + String.join(", ", FIELDS.keySet()) + ")");
        }
        boolean jsonata = JsonataFields.language(json, inherited, at);
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            unsupported(e.getKey(), e.getValue(), at);
            if (jsonata ? !JsonataFields.JSONATA_COMMON.contains(e.getKey()) && !JsonataFields.JSONATA_FIELDS.get(type).contains(e.getKey())
                    : !COMMON.contains(e.getKey()) && !allowed.contains(e.getKey())) {
                throw new IllegalArgumentException(at + e.getKey() + ": not a field of a " + type + " state"
                        + (jsonata ? " in JSONata (" + String.join(", ", new java.util.TreeSet<>(JsonataFields.JSONATA_FIELDS.get(type))) + ")"
                        : Set.of("Arguments", "Output", "Assign", "Items", "Condition").contains(e.getKey())
                        ? " in JSONPath: give the state (or the workflow) QueryLanguage: JSONata" : ""));
            }
        }
        boolean enclosing = this.jsonata;
        this.jsonata = jsonata;
        try {
            return state(name, json, type, at);
        } finally {
            this.jsonata = enclosing;
        }
    }

    private StateDef state(String name, JsonNode json, String type, String at) {
        StateDef.Io io = io(json, type, at);
        return switch (type) {
            case "Task" -> task(name, json, io, at);
            case "Pass" -> new StateDef.Pass(name, io, json.get("Result"));
            case "Choice" -> choice(name, json, io, at);
            case "Parallel" -> parallel(name, json, io, at);
            case "Map" -> map(name, json, io, at);
            case "Wait" -> waitState(name, json, io, at);
            case "Succeed" -> new StateDef.Succeed(name, io);
            default -> fail(name, json, at);
        };
    }

    /** Refuses what AWS offers and skyfn does not, saying so. */
    private static void unsupported(String field, JsonNode value, String at) {
        String why = UNSUPPORTED.get(field);
        if (why != null) {
            throw new IllegalArgumentException(at + field + ": " + why);
        }
    }

    private StateDef.Io io(JsonNode json, String type, String at) {
        boolean end = json.has("End") && json.get("End").asBoolean(false);
        String next = json.has("Next") ? text(json, "Next", at) : null;
        if (type.equals("Choice") || TERMINAL_TYPES.contains(type)) {
            if (next != null || end) {
                throw new IllegalArgumentException(at + "a " + type + " state has no Next or End");
            }
        } else if ((next == null) == !end) {
            throw new IllegalArgumentException(at + "needs exactly one of Next and End: true");
        }
        if (jsonata) {
            return new StateDef.Io(StateDef.Path.ROOT, StateDef.Path.ROOT, StateDef.Path.ROOT, null, null, next, JsonataFields.fields(json, at),
                    JsonataFields.assign(json, true, at));
        }
        return new StateDef.Io(path(json, "InputPath", at), path(json, "OutputPath", at), resultPath(json, "ResultPath", at),
                template(json, json.has("Parameters") ? "Parameters" : "ItemSelector", at),
                template(json, "ResultSelector", at), next, null, JsonataFields.assign(json, false, at));
    }

    private StateDef task(String name, JsonNode json, StateDef.Io io, String at) {
        String resource = text(json, "Resource", at);
        int slash = resource.indexOf('/');
        if (slash < 0 ? !functions.contains(resource)
                : !Names.isAppName(resource.substring(0, slash)) || !Names.isFunctionName(resource.substring(slash + 1))) {
            throw new IllegalArgumentException(at + "Resource: '" + resource + "' names no function of the app ("
                    + String.join(", ", new java.util.TreeSet<>(functions)) + ") nor app/function");
        }
        return new StateDef.Task(name, io, resource, seconds(json, "TimeoutSeconds", at), RecoveryReader.retriers(json, at), RecoveryReader.catchers(json, at, jsonata));
    }

    private StateDef choice(String name, JsonNode json, StateDef.Io io, String at) {
        JsonNode choices = json.get("Choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw new IllegalArgumentException(at + "Choices: expected at least one rule");
        }
        List<ChoiceRule.Branch> branches = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            JsonNode c = choices.get(i);
            String where = at + "Choices[" + i + "]: ";
            if (jsonata) {
                for (Map.Entry<String, JsonNode> f : c.properties()) {
                    if (!Set.of("Condition", "Next", "Comment", "Output", "Assign").contains(f.getKey())) {
                        throw new IllegalArgumentException(where + f.getKey() + ": not a field of a JSONata Choice rule (Assign, "
                                + "Condition, Next, Output)");
                    }
                }
                if (!c.has("Condition")) {
                    throw new IllegalArgumentException(where + "Condition: missing");
                }
                branches.add(new ChoiceRule.Branch(new ChoiceRule.Condition(JsonataFields.value(c.get("Condition"), where + "Condition")),
                        text(c, "Next", where), JsonataFields.optional(c, "Output", where), JsonataFields.assign(c, true, where)));
                continue;
            }
            branches.add(new ChoiceRule.Branch(rule(c, where), text(c, "Next", where), null, JsonataFields.assign(c, false, where)));
        }
        return new StateDef.Choice(name, io, branches, json.has("Default") ? text(json, "Default", at) : null);
    }

    private ChoiceRule rule(JsonNode json, String at) {
        if (json.has("And") || json.has("Or")) {
            String op = json.has("And") ? "And" : "Or";
            JsonNode list = json.get(op);
            if (!list.isArray() || list.isEmpty()) {
                throw new IllegalArgumentException(at + op + ": expected a list of rules");
            }
            List<ChoiceRule> rules = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                rules.add(rule(list.get(i), at + op + "[" + i + "]: "));
            }
            return op.equals("And") ? new ChoiceRule.And(rules) : new ChoiceRule.Or(rules);
        }
        if (json.has("Not")) {
            return new ChoiceRule.Not(rule(json.get("Not"), at + "Not: "));
        }
        JsonPath variable = jsonPath(text(json, "Variable", at), at + "Variable");
        Map.Entry<String, JsonNode> op = ChoiceRule.operatorOf(json);
        if (op == null) {
            throw new IllegalArgumentException(at + "no comparison (one of " + String.join(", ", ChoiceRule.Comparison.OPERATORS) + ")");
        }
        boolean viaPath = op.getKey().endsWith("Path");
        String operator = viaPath ? op.getKey().substring(0, op.getKey().length() - 4) : op.getKey();
        JsonPath valuePath = viaPath ? jsonPath(op.getValue().asText(), at + op.getKey()) : null;
        return new ChoiceRule.Comparison(variable, operator, op.getValue(), valuePath);
    }

    private StateDef parallel(String name, JsonNode json, StateDef.Io io, String at) {
        JsonNode branches = json.get("Branches");
        if (branches == null || !branches.isArray() || branches.isEmpty()) {
            throw new IllegalArgumentException(at + "Branches: expected at least one branch");
        }
        List<Definition> defs = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
            defs.add(machine(branches.get(i), at + "Branches[" + i + "]: ", jsonata));
        }
        return new StateDef.Parallel(name, io, defs, RecoveryReader.retriers(json, at), RecoveryReader.catchers(json, at, jsonata));
    }

    private StateDef map(String name, JsonNode json, StateDef.Io io, String at) {
        JsonNode processor = json.has("ItemProcessor") ? json.get("ItemProcessor") : json.get("Iterator");
        if (processor == null) {
            throw new IllegalArgumentException(at + "ItemProcessor: missing");
        }
        int max = !json.has("MaxConcurrency") || jsonata && json.get("MaxConcurrency").isTextual() ? 0 : json.get("MaxConcurrency").asInt(-1);
        if (max < 0) {
            throw new IllegalArgumentException(at + "MaxConcurrency: a whole number, 0 for no limit");
        }
        if (json.has("MaxConcurrency") && json.has("MaxConcurrencyPath")) {
            throw new IllegalArgumentException(at + "MaxConcurrency and MaxConcurrencyPath: one or the other");
        }
        JsonPath items = json.has("ItemsPath") ? jsonPath(text(json, "ItemsPath", at), at + "ItemsPath") : JsonPath.parse("$");
        boolean language = jsonata;
        StateDef.Tolerance tolerance = tolerance(json, at);
        List<StateDef.Retrier> retry = RecoveryReader.retriers(json, at);
        List<StateDef.Catcher> catchers = RecoveryReader.catchers(json, at, jsonata);
        return new StateDef.MapState(name, io, items, io.parameters(), max, optionalPath(json, "MaxConcurrencyPath", at),
                tolerance, machine(processor, at + "ItemProcessor: ", language), retry, catchers);
    }

    private StateDef.Tolerance tolerance(JsonNode json, String at) {
        if (json.has("ToleratedFailureCount") && json.has("ToleratedFailureCountPath")
                || json.has("ToleratedFailurePercentage") && json.has("ToleratedFailurePercentagePath")) {
            throw new IllegalArgumentException(at + "ToleratedFailureCount or ToleratedFailurePercentage: give a value or a path, not both");
        }
        Integer count = null;
        if (json.has("ToleratedFailureCount")) {
            count = json.get("ToleratedFailureCount").asInt(-1);
            if (!json.get("ToleratedFailureCount").isIntegralNumber() || count < 0) {
                throw new IllegalArgumentException(at + "ToleratedFailureCount: a whole number of items, 0 or more");
            }
        }
        Double percentage = null;
        if (json.has("ToleratedFailurePercentage")) {
            percentage = json.get("ToleratedFailurePercentage").asDouble(-1);
            if (!json.get("ToleratedFailurePercentage").isNumber() || percentage < 0 || percentage > 100) {
                throw new IllegalArgumentException(at + "ToleratedFailurePercentage: a number from 0 to 100");
            }
        }
        var t = new StateDef.Tolerance(count, optionalPath(json, "ToleratedFailureCountPath", at), percentage,
                optionalPath(json, "ToleratedFailurePercentagePath", at));
        return t.none() ? StateDef.Tolerance.NONE : t;
    }

    private static JsonPath optionalPath(JsonNode json, String field, String at) {
        return json.has(field) ? jsonPath(text(json, field, at), at + field) : null;
    }

    private StateDef fail(String name, JsonNode json, String at) {
        if (json.has("Error") && json.has("ErrorPath") || json.has("Cause") && json.has("CausePath")) {
            throw new IllegalArgumentException(at + "Error and ErrorPath, Cause and CausePath: one of each pair at most");
        }
        if (jsonata) {
            JsonataValue error = JsonataFields.optional(json, "Error", at);
            JsonataValue cause = JsonataFields.optional(json, "Cause", at);
            return new StateDef.Fail(name, null, null, error == null ? null : Expression.of(error), cause == null ? null : Expression.of(cause));
        }
        return new StateDef.Fail(name, json.has("Error") ? text(json, "Error", at) : null, json.has("Cause") ? text(json, "Cause", at) : null,
                expression(json, "ErrorPath", at), expression(json, "CausePath", at));
    }

    private static Expression expression(JsonNode json, String field, String at) {
        if (!json.has(field)) {
            return null;
        }
        try {
            return Expression.parse(text(json, field, at));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + field + ": " + e.getMessage());
        }
    }

    private StateDef waitState(String name, JsonNode json, StateDef.Io io, String at) {
        int given = (json.has("Seconds") ? 1 : 0) + (json.has("Timestamp") ? 1 : 0) + (json.has("SecondsPath") ? 1 : 0)
                + (json.has("TimestampPath") ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException(at + "needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath");
        }
        if (jsonata && json.path("Seconds").isTextual()) {
            return new StateDef.Wait(name, io, null, null, null, null, JsonataFields.value(json.get("Seconds"), at + "Seconds"), null);
        }
        if (jsonata && json.has("Timestamp") && json.get("Timestamp").asText().startsWith("{%")) {
            return new StateDef.Wait(name, io, null, null, null, null, null, JsonataFields.value(json.get("Timestamp"), at + "Timestamp"));
        }
        return new StateDef.Wait(name, io, seconds(json, "Seconds", at), json.has("Timestamp") ? text(json, "Timestamp", at) : null,
                json.has("SecondsPath") ? jsonPath(text(json, "SecondsPath", at), at + "SecondsPath") : null,
                json.has("TimestampPath") ? jsonPath(text(json, "TimestampPath", at), at + "TimestampPath") : null, null, null);
    }

    static StateDef.Io io(StateDef s) {
        return switch (s) {
            case StateDef.Task t -> t.io();
            case StateDef.Pass p -> p.io();
            case StateDef.Choice c -> c.io();
            case StateDef.Parallel p -> p.io();
            case StateDef.MapState m -> m.io();
            case StateDef.Wait w -> w.io();
            case StateDef.Succeed x -> x.io();
            case StateDef.Fail f -> StateDef.Io.NONE;
        };
    }

    static String text(JsonNode json, String field, String at) {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException(at + field + ": expected text");
        }
        return v.asText();
    }

    static Duration seconds(JsonNode json, String field, String at) {
        JsonNode v = json.get(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < 0) {
            throw new IllegalArgumentException(at + field + ": expected a number of seconds");
        }
        return Duration.ofMillis(Math.round(v.asDouble() * 1000));
    }

    private static StateDef.Path path(JsonNode json, String field, String at) {
        JsonNode v = json.get(field);
        if (v == null) {
            return StateDef.Path.ROOT;
        }
        if (v.isNull()) {
            return StateDef.Path.NULL;
        }
        return new StateDef.Path(jsonPath(v.asText(), at + field));
    }

    /** A ResultPath: a reference path (one node), or null to discard the result. */
    static StateDef.Path resultPath(JsonNode json, String field, String at) {
        JsonNode v = json.get(field);
        if (v == null) {
            return StateDef.Path.ROOT;
        }
        if (v.isNull()) {
            return StateDef.Path.NULL;
        }
        try {
            return new StateDef.Path(JsonPath.reference(v.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + field + ": " + e.getMessage());
        }
    }

    private static JsonPath jsonPath(String text, String at) {
        try {
            return JsonPath.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }

    private static Template template(JsonNode json, String field, String at) {
        JsonNode v = json.get(field);
        if (v == null) {
            return null;
        }
        try {
            return Template.of(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + field + "." + e.getMessage());
        }
    }
}
