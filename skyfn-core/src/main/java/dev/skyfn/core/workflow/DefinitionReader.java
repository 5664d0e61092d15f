package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.core.Names;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a state machine in the Amazon States Language subset and checks it, so that a bad one is
 * refused at deploy with the state and field named: unknown fields and state types, unknown Next
 * targets, unreachable states, no way to end, bad paths, Task resources that name no function.
 */
public final class DefinitionReader {

    private static final Set<String> COMMON = Set.of("Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage");
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "Task", Set.of("Resource", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch", "TimeoutSeconds"),
            "Pass", Set.of("Result", "ResultPath", "Parameters"),
            "Choice", Set.of("Choices", "Default"),
            "Parallel", Set.of("Branches", "Parameters", "ResultPath", "ResultSelector", "Retry", "Catch"),
            "Map", Set.of("Iterator", "ItemProcessor", "ItemsPath", "MaxConcurrency", "MaxConcurrencyPath", "Parameters",
                    "ItemSelector", "ResultPath", "ResultSelector", "Retry", "Catch", "Label", "ToleratedFailureCount",
                    "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
            "Wait", Set.of("Seconds", "Timestamp", "SecondsPath", "TimestampPath"),
            "Succeed", Set.of(),
            "Fail", Set.of("Error", "Cause", "ErrorPath", "CausePath"));
    /** What AWS has and skyfn does not (yet), each with what a definition using it is told. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "ItemBatcher", "Map's ItemBatcher is not supported yet",
            "ItemReader", "a distributed Map (ItemReader) is not supported: skyfn runs inline Maps",
            "ResultWriter", "a distributed Map (ResultWriter) is not supported: skyfn runs inline Maps",
            "Credentials", "Task Credentials are not supported: a task runs with its app's own rights",
            "HeartbeatSeconds", "HeartbeatSeconds is not supported: tasks are functions that answer once",
            "TimeoutSecondsPath", "TimeoutSecondsPath is not supported yet: give TimeoutSeconds");
    /** The fields of each state type in a JSONata state, besides Type, Comment, Next, End and QueryLanguage. */
    private static final Map<String, Set<String>> JSONATA_FIELDS = Map.of(
            "Task", Set.of("Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds"),
            "Pass", Set.of("Output", "Assign"),
            "Choice", Set.of("Choices", "Default", "Output", "Assign"),
            "Parallel", Set.of("Branches", "Arguments", "Output", "Assign", "Retry", "Catch"),
            "Map", Set.of("Items", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "Output", "Assign", "Retry", "Catch",
                    "Label", "ToleratedFailureCount", "ToleratedFailurePercentage"),
            "Wait", Set.of("Seconds", "Timestamp", "Output", "Assign"),
            "Succeed", Set.of("Output"),
            "Fail", Set.of("Error", "Cause"));
    private static final Set<String> JSONATA_COMMON = Set.of("Type", "Comment", "Next", "End", "QueryLanguage");
    private static final Set<String> TERMINAL_TYPES = Set.of("Succeed", "Fail");
    private static final Set<String> RETRY_FIELDS = Set.of("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
            "MaxDelaySeconds", "JitterStrategy", "Comment");

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
        boolean language = jsonata(json, jsonata, at);
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
        checkGraph(definition, at);
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
        boolean jsonata = jsonata(json, inherited, at);
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            unsupported(e.getKey(), e.getValue(), at);
            if (jsonata ? !JSONATA_COMMON.contains(e.getKey()) && !JSONATA_FIELDS.get(type).contains(e.getKey())
                    : !COMMON.contains(e.getKey()) && !allowed.contains(e.getKey())) {
                throw new IllegalArgumentException(at + e.getKey() + ": not a field of a " + type + " state"
                        + (jsonata ? " in JSONata (" + String.join(", ", new java.util.TreeSet<>(JSONATA_FIELDS.get(type))) + ")"
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

    /** A QueryLanguage field, or {@code inherited} when there is none; JSONata's states hold no JSONPath state. */
    private static boolean jsonata(JsonNode json, boolean inherited, String at) {
        if (!json.has("QueryLanguage")) {
            return inherited;
        }
        String language = text(json, "QueryLanguage", at);
        if (!language.equals("JSONata") && !language.equals("JSONPath")) {
            throw new IllegalArgumentException(at + "QueryLanguage: JSONPath or JSONata, not '" + language + "'");
        }
        if (inherited && language.equals("JSONPath")) {
            throw new IllegalArgumentException(at + "QueryLanguage: a JSONata workflow cannot hold a JSONPath state");
        }
        return language.equals("JSONata");
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
            return new StateDef.Io(StateDef.Path.ROOT, StateDef.Path.ROOT, StateDef.Path.ROOT, null, null, next, jsonataFields(json, at));
        }
        return new StateDef.Io(path(json, "InputPath", at), path(json, "OutputPath", at), resultPath(json, "ResultPath", at),
                template(json, json.has("Parameters") ? "Parameters" : "ItemSelector", at),
                template(json, "ResultSelector", at), next, null);
    }

    /** A JSONata state's (or Catch's) Arguments, Output, Assign, Items and ItemSelector. */
    private static StateDef.Jsonata jsonataFields(JsonNode json, String at) {
        Map<String, JsonataValue> assign = new LinkedHashMap<>();
        if (json.has("Assign")) {
            if (!json.get("Assign").isObject()) {
                throw new IllegalArgumentException(at + "Assign: expected an object of variable names to values");
            }
            json.get("Assign").properties().forEach(e -> {
                if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]{0,79}") || e.getKey().equals("states")) {
                    throw new IllegalArgumentException(at + "Assign." + e.getKey() + ": a variable name is a letter or '_', then letters, "
                            + "digits or '_' (at most 80), and not 'states'");
                }
                assign.put(e.getKey(), jsonataValue(e.getValue(), at + "Assign." + e.getKey()));
            });
        }
        return new StateDef.Jsonata(optionalValue(json, "Arguments", at), optionalValue(json, "Output", at), assign,
                optionalValue(json, "Items", at), optionalValue(json, "ItemSelector", at));
    }

    private static JsonataValue optionalValue(JsonNode json, String field, String at) {
        return json.has(field) ? jsonataValue(json.get(field), at + field) : null;
    }

    private static JsonataValue jsonataValue(JsonNode value, String at) {
        try {
            return JsonataValue.of(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }

    private StateDef task(String name, JsonNode json, StateDef.Io io, String at) {
        String resource = text(json, "Resource", at);
        int slash = resource.indexOf('/');
        if (slash < 0 ? !functions.contains(resource)
                : !Names.isAppName(resource.substring(0, slash)) || !Names.isFunctionName(resource.substring(slash + 1))) {
            throw new IllegalArgumentException(at + "Resource: '" + resource + "' names no function of the app ("
                    + String.join(", ", new java.util.TreeSet<>(functions)) + ") nor app/function");
        }
        return new StateDef.Task(name, io, resource, seconds(json, "TimeoutSeconds", at), retriers(json, at), catchers(json, at));
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
                    if (!Set.of("Condition", "Next", "Comment").contains(f.getKey())) {
                        throw new IllegalArgumentException(where + f.getKey() + (Set.of("Output", "Assign").contains(f.getKey())
                                ? ": a rule's own Output and Assign are not supported yet: give them on the Choice state"
                                : ": not a field of a JSONata Choice rule (Condition, Next)"));
                    }
                }
                if (!c.has("Condition")) {
                    throw new IllegalArgumentException(where + "Condition: missing");
                }
                branches.add(new ChoiceRule.Branch(new ChoiceRule.Condition(jsonataValue(c.get("Condition"), where + "Condition")),
                        text(c, "Next", where)));
                continue;
            }
            branches.add(new ChoiceRule.Branch(rule(c, where), text(c, "Next", where)));
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
        return new StateDef.Parallel(name, io, defs, retriers(json, at), catchers(json, at));
    }

    private StateDef map(String name, JsonNode json, StateDef.Io io, String at) {
        JsonNode processor = json.has("ItemProcessor") ? json.get("ItemProcessor") : json.get("Iterator");
        if (processor == null) {
            throw new IllegalArgumentException(at + "ItemProcessor: missing");
        }
        int max = json.has("MaxConcurrency") ? json.get("MaxConcurrency").asInt(-1) : 0;
        if (max < 0) {
            throw new IllegalArgumentException(at + "MaxConcurrency: a whole number, 0 for no limit");
        }
        if (json.has("MaxConcurrency") && json.has("MaxConcurrencyPath")) {
            throw new IllegalArgumentException(at + "MaxConcurrency and MaxConcurrencyPath: one or the other");
        }
        JsonPath items = json.has("ItemsPath") ? jsonPath(text(json, "ItemsPath", at), at + "ItemsPath") : JsonPath.parse("$");
        boolean language = jsonata;
        StateDef.Tolerance tolerance = tolerance(json, at);
        List<StateDef.Retrier> retry = retriers(json, at);
        List<StateDef.Catcher> catchers = catchers(json, at);
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
            JsonataValue error = optionalValue(json, "Error", at);
            JsonataValue cause = optionalValue(json, "Cause", at);
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
        for (String field : List.of("Seconds", "Timestamp")) {
            if (jsonata && json.path(field).asText().strip().startsWith("{%")) {
                throw new IllegalArgumentException(at + field + ": a JSONata expression here is not supported yet: give a value");
            }
        }
        int given = (json.has("Seconds") ? 1 : 0) + (json.has("Timestamp") ? 1 : 0) + (json.has("SecondsPath") ? 1 : 0)
                + (json.has("TimestampPath") ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException(at + "needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath");
        }
        return new StateDef.Wait(name, io, seconds(json, "Seconds", at), json.has("Timestamp") ? text(json, "Timestamp", at) : null,
                json.has("SecondsPath") ? jsonPath(text(json, "SecondsPath", at), at + "SecondsPath") : null,
                json.has("TimestampPath") ? jsonPath(text(json, "TimestampPath", at), at + "TimestampPath") : null);
    }

    private List<StateDef.Retrier> retriers(JsonNode json, String at) {
        return list(json, "Retry", at, (r, where) -> {
            for (Map.Entry<String, JsonNode> f : r.properties()) {
                if (!RETRY_FIELDS.contains(f.getKey())) {
                    throw new IllegalArgumentException(where + f.getKey() + ": not a field of a retrier (" + String.join(", ",
                            new java.util.TreeSet<>(RETRY_FIELDS)) + ")");
                }
            }
            double interval = r.has("IntervalSeconds") ? r.get("IntervalSeconds").asDouble(-1) : 1;
            int attempts = r.has("MaxAttempts") ? r.get("MaxAttempts").asInt(-1) : 3;
            double backoff = r.has("BackoffRate") ? r.get("BackoffRate").asDouble(0) : 2;
            if (interval <= 0 || attempts < 0 || backoff < 1) {
                throw new IllegalArgumentException(where + "IntervalSeconds > 0, MaxAttempts ≥ 0 and BackoffRate ≥ 1");
            }
            Duration maxDelay = seconds(r, "MaxDelaySeconds", where);
            if (maxDelay != null && maxDelay.isZero()) {
                throw new IllegalArgumentException(where + "MaxDelaySeconds: more than 0");
            }
            String jitter = r.has("JitterStrategy") ? text(r, "JitterStrategy", where) : "NONE";
            if (!jitter.equals("NONE") && !jitter.equals("FULL")) {
                throw new IllegalArgumentException(where + "JitterStrategy: FULL or NONE, not '" + jitter + "'");
            }
            return new StateDef.Retrier(errors(r, where), Duration.ofMillis(Math.round(interval * 1000)), attempts, backoff, maxDelay,
                    jitter.equals("FULL"));
        });
    }

    private List<StateDef.Catcher> catchers(JsonNode json, String at) {
        return list(json, "Catch", at, (c, where) -> {
            for (Map.Entry<String, JsonNode> f : c.properties()) {
                Set<String> known = jsonata ? Set.of("ErrorEquals", "Next", "Output", "Assign", "Comment")
                        : Set.of("ErrorEquals", "Next", "ResultPath", "Comment");
                if (!known.contains(f.getKey())) {
                    throw new IllegalArgumentException(where + f.getKey() + ": not a field of a catcher (" + String.join(", ",
                            new java.util.TreeSet<>(known)) + ")");
                }
            }
            return new StateDef.Catcher(errors(c, where), text(c, "Next", where),
                    c.has("ResultPath") ? resultPath(c, "ResultPath", where) : StateDef.Path.ROOT, jsonata ? jsonataFields(c, where) : null);
        });
    }

    private static <T> List<T> list(JsonNode json, String field, String at, java.util.function.BiFunction<JsonNode, String, T> item) {
        JsonNode list = json.get(field);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException(at + field + ": expected a list");
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(item.apply(list.get(i), at + field + "[" + i + "]: "));
        }
        return out;
    }

    private static List<String> errors(JsonNode json, String at) {
        JsonNode list = json.get("ErrorEquals");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(at + "ErrorEquals: expected a list of error names");
        }
        List<String> errors = new ArrayList<>();
        list.forEach(e -> errors.add(e.asText()));
        return errors;
    }

    /** Next targets exist, every state can be reached from StartAt, and the machine can end. */
    private static void checkGraph(Definition d, String at) {
        if (!d.states().containsKey(d.startAt())) {
            throw new IllegalArgumentException(at + "StartAt: '" + d.startAt() + "' is not a state");
        }
        Function<String, List<String>> targets = name -> successors(d.states().get(name));
        for (StateDef s : d.states().values()) {
            for (String next : successors(s)) {
                if (!d.states().containsKey(next)) {
                    throw new IllegalArgumentException(at + "state \"" + s.name() + "\": Next '" + next
                            + "' is not a state (states: " + String.join(", ", d.states().keySet()) + ")");
                }
            }
        }
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(d.startAt()));
        boolean canEnd = false;
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (reached.add(name)) {
                StateDef s = d.states().get(name);
                canEnd |= ends(s);
                todo.addAll(targets.apply(name));
            }
        }
        for (String name : d.states().keySet()) {
            if (!reached.contains(name)) {
                throw new IllegalArgumentException(at + "state \"" + name + "\": unreachable from StartAt");
            }
        }
        if (!canEnd) {
            throw new IllegalArgumentException(at + "no state ends the machine (End: true, Succeed or Fail)");
        }
    }

    private static boolean ends(StateDef s) {
        return switch (s) {
            case StateDef.Succeed x -> true;
            case StateDef.Fail x -> true;
            case StateDef.Choice x -> false;
            default -> io(s).next() == null;
        };
    }

    private static List<String> successors(StateDef s) {
        List<String> next = new ArrayList<>();
        switch (s) {
            case StateDef.Choice c -> {
                c.choices().forEach(b -> next.add(b.next()));
                if (c.defaultNext() != null) {
                    next.add(c.defaultNext());
                }
            }
            case StateDef.Succeed x -> { }
            case StateDef.Fail x -> { }
            default -> {
                if (io(s).next() != null) {
                    next.add(io(s).next());
                }
            }
        }
        switch (s) {
            case StateDef.Task t -> t.catchers().forEach(c -> next.add(c.next()));
            case StateDef.Parallel p -> p.catchers().forEach(c -> next.add(c.next()));
            case StateDef.MapState m -> m.catchers().forEach(c -> next.add(c.next()));
            default -> { }
        }
        return next;
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

    private static String text(JsonNode json, String field, String at) {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException(at + field + ": expected text");
        }
        return v.asText();
    }

    private static Duration seconds(JsonNode json, String field, String at) {
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
    private static StateDef.Path resultPath(JsonNode json, String field, String at) {
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
