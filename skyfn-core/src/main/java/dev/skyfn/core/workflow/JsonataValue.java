package dev.skyfn.core.workflow;

import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A field value of a JSONata state ({@code QueryLanguage: JSONata}): JSON whose strings written
 * {@code "{% expression %}"} are JSONata expressions, evaluated when the state runs with the
 * reserved variable {@code $states} ({@code input}, {@code context}, and where they exist
 * {@code result} and {@code errorOutput}) and the workflow's variables bound — as AWS Step
 * Functions evaluates them. Anything else is a literal. Expressions are parsed when the definition
 * is read; one that fails to evaluate fails the state with {@code States.QueryEvaluationError}.
 * JSONata itself is the dashjoin port of the reference implementation.
 */
public final class JsonataValue {

    static final String QUERY_EVALUATION_ERROR = "States.QueryEvaluationError";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** What an expression sees: {@code $states} and the workflow's variables. */
    public record Scope(JsonNode input, JsonNode context, JsonNode result, JsonNode errorOutput, Map<String, JsonNode> variables) {
    }

    private sealed interface Node {
        JsonNode evaluate(Scope scope);
    }

    private record Literal(JsonNode value) implements Node {
        public JsonNode evaluate(Scope scope) {
            return value;
        }
    }

    /** One expression; the compiled form is not safe for concurrent use, so evaluations take turns. */
    private record Expr(String text, Jsonata compiled) implements Node {
        public JsonNode evaluate(Scope scope) {
            Map<String, Object> states = new LinkedHashMap<>();
            states.put("input", plain(scope.input()));
            states.put("context", plain(scope.context()));
            if (scope.result() != null) {
                states.put("result", plain(scope.result()));
            }
            if (scope.errorOutput() != null) {
                states.put("errorOutput", plain(scope.errorOutput()));
            }
            Object out;
            synchronized (compiled) {
                try {
                    var frame = compiled.createFrame();
                    EvaluationBounds.apply(frame);
                    frame.bind("states", states);
                    scope.variables().forEach((name, value) -> frame.bind(name, plain(value)));
                    out = compiled.evaluate(null, frame);
                } catch (RuntimeException e) {
                    throw new WorkflowError(QUERY_EVALUATION_ERROR, "the JSONata expression '" + text + "' failed: " + e.getMessage());
                } catch (StackOverflowError e) {
                    throw new WorkflowError(QUERY_EVALUATION_ERROR, "the JSONata expression '" + text + "' failed: it nests too deep");
                }
            }
            if (out == null) {
                throw new WorkflowError(QUERY_EVALUATION_ERROR, "the JSONata expression '" + text + "' returned nothing (undefined)");
            }
            return json(out);
        }
    }

    private record Obj(List<Map.Entry<String, Node>> fields) implements Node {
        public JsonNode evaluate(Scope scope) {
            ObjectNode out = JSON.objectNode();
            fields.forEach(f -> out.set(f.getKey(), f.getValue().evaluate(scope)));
            return out;
        }
    }

    private record Arr(List<Node> items) implements Node {
        public JsonNode evaluate(Scope scope) {
            ArrayNode out = JSON.arrayNode();
            items.forEach(i -> out.add(i.evaluate(scope)));
            return out;
        }
    }

    private final Node root;

    private JsonataValue(Node root) {
        this.root = root;
    }

    /** Compiles {@code value}; IllegalArgumentException naming where an expression does not parse. */
    public static JsonataValue of(JsonNode value) {
        return new JsonataValue(compile(value, ""));
    }

    public JsonNode evaluate(Scope scope) {
        return root.evaluate(scope);
    }

    private static Node compile(JsonNode node, String at) {
        if (node.isTextual()) {
            String t = node.textValue();
            if (t.startsWith("{%") && t.endsWith("%}") && t.length() >= 4) {
                String text = t.substring(2, t.length() - 2).strip();
                try {
                    Jsonata compiled = Jsonata.jsonata(text);
                    compiled.setOutputConvertNulls(false); // so that JSON null and undefined differ
                    return new Expr(text, withStepFunctionsFunctions(compiled));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(at + "'" + text + "' is not a JSONata expression: " + e.getMessage());
                }
            }
            return new Literal(node);
        }
        if (node.isObject()) {
            List<Map.Entry<String, Node>> fields = new ArrayList<>();
            node.properties().forEach(e -> fields.add(Map.entry(e.getKey(), compile(e.getValue(), at + e.getKey() + "."))));
            return fields.stream().allMatch(f -> f.getValue() instanceof Literal) ? new Literal(node) : new Obj(List.copyOf(fields));
        }
        if (node.isArray()) {
            List<Node> items = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                items.add(compile(node.get(i), at + "[" + i + "]."));
            }
            return items.stream().allMatch(i -> i instanceof Literal) ? new Literal(node) : new Arr(List.copyOf(items));
        }
        return new Literal(node);
    }

    /**
     * The functions AWS Step Functions adds to JSONata: {@code $partition(array, size)},
     * {@code $range(start, end, step)}, {@code $hash(data, algorithm)}, {@code $random([seed])},
     * {@code $uuid()} and {@code $parse(json)} — the intrinsic functions' work under JSONata names.
     */
    private static Jsonata withStepFunctionsFunctions(Jsonata j) {
        j.registerFunction("partition", (Jsonata.Fn2<Object, Object, Object>) (a, b) -> intrinsic("ArrayPartition", a, b));
        // a one-item range is that item, as JSONata gives a sequence of one (AWS: $range(1, 9, 9) is 1)
        j.registerFunction("range", Jsonata.function("range", (Jsonata.Fn3<Object, Object, Object, Object>) (a, b, c) -> {
            Object range = intrinsic("ArrayRange", a, b, c);
            return range instanceof List<?> l && l.size() == 1 ? l.getFirst() : range;
        }, "<nnn:a>"));
        j.registerFunction("hash", (Jsonata.Fn2<Object, Object, Object>) (a, b) -> intrinsic("Hash", a, b));
        j.registerFunction("uuid", (Jsonata.Fn0<Object>) () -> intrinsic("UUID"));
        j.registerFunction("parse", (Jsonata.Fn1<Object, Object>) a -> intrinsic("StringToJson", a));
        j.registerFunction("random", Jsonata.function("random", (Jsonata.FnVarArgs<Object>) args -> args.isEmpty() || args.getFirst() == null
                ? Math.random() : new java.util.Random(((Number) args.getFirst()).longValue()).nextDouble(), "<n?:n>"));
        return j;
    }

    private static Object intrinsic(String function, Object... args) {
        List<JsonNode> values = new ArrayList<>(args.length);
        for (Object a : args) {
            values.add(a == null ? NullNode.getInstance() : json(a));
        }
        return plain(Intrinsics.apply(function, values));
    }

    /** JSON as JSONata's values: mutable maps and lists, {@link Jsonata#NULL_VALUE} for null (Java null is undefined). */
    private static Object plain(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return null;
        }
        if (node.isNull()) {
            return Jsonata.NULL_VALUE;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(plain(item)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToInt() ? (Object) node.intValue() : node.canConvertToLong() ? (Object) node.longValue() : node.doubleValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.isBoolean() ? node.booleanValue() : node.asText();
    }

    /** A JSONata value as JSON; an undefined member of an object or array is left out, as JSONata leaves it. */
    private static JsonNode json(Object value) {
        if (value == Jsonata.NULL_VALUE) {
            return NullNode.getInstance();
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode out = JSON.objectNode();
            map.forEach((k, v) -> {
                if (v != null) {
                    out.set(String.valueOf(k), json(v));
                }
            });
            return out;
        }
        if (value instanceof List<?> list) {
            ArrayNode out = JSON.arrayNode();
            list.forEach(v -> {
                if (v != null) {
                    out.add(json(v));
                }
            });
            return out;
        }
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
            return MAPPER.valueToTree(d.longValue()); // JSONata's numbers are doubles: 3.0 is 3
        }
        return MAPPER.valueToTree(value);
    }
}
