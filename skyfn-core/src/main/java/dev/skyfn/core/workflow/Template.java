package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A payload template (Parameters, ResultSelector, ItemSelector): a JSON value copied as it is,
 * except that a field whose name ends in {@code .$} takes the value of the path it holds, read
 * from the state's input ({@code $…}) or the context object ({@code $$…}), or of the intrinsic
 * function it calls ({@code States.Format(…)}), under the name without the {@code .$}. Compiled once, so every path is checked when the definition is read.
 */
public final class Template {

    private sealed interface Node {
        JsonNode apply(JsonNode input, JsonNode context, Map<String, JsonNode> variables);
    }

    private record Literal(JsonNode value) implements Node {
        public JsonNode apply(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            return value;
        }
    }

    private record Ref(Expression expression) implements Node {
        public JsonNode apply(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            return expression.evaluate(input, context, variables);
        }
    }

    private record Field(String name, Node value) {
    }

    private record Obj(List<Field> fields) implements Node {
        public JsonNode apply(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(f -> out.set(f.name(), f.value().apply(input, context, variables)));
            return out;
        }
    }

    private record Arr(List<Node> items) implements Node {
        public JsonNode apply(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            items.forEach(i -> out.add(i.apply(input, context, variables)));
            return out;
        }
    }

    private final Node root;

    private Template(Node root) {
        this.root = root;
    }

    /** Compiles a template; a bad path fails with the field it is in. */
    public static Template of(JsonNode template) {
        return new Template(compile(template, ""));
    }

    /** The template's value for {@code input}, with the context object and the workflow's variables ({@code $name} paths). */
    public JsonNode apply(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
        return root.apply(input, context, variables);
    }

    private static Node compile(JsonNode node, String at) {
        if (node.isObject()) {
            List<Field> fields = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String name = e.getKey();
                if (name.endsWith(".$")) {
                    if (!e.getValue().isTextual()) {
                        throw new IllegalArgumentException(at + name + ": a field ending in .$ holds a path or an intrinsic function");
                    }
                    try {
                        fields.add(new Field(name.substring(0, name.length() - 2), new Ref(Expression.parse(e.getValue().asText()))));
                    } catch (IllegalArgumentException bad) {
                        throw new IllegalArgumentException(at + name + ": " + bad.getMessage());
                    }
                } else {
                    fields.add(new Field(name, compile(e.getValue(), at + name + ".")));
                }
            }
            return new Obj(fields);
        }
        if (node.isArray()) {
            List<Node> items = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                items.add(compile(node.get(i), at + "[" + i + "]."));
            }
            return new Arr(items);
        }
        return new Literal(node);
    }
}
