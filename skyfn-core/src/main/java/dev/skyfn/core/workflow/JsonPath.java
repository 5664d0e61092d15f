package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference paths of the Amazon States Language: {@code $}, {@code $.a.b}, {@code $['a b']},
 * {@code $.items[2]}, and {@code $$.…} for the context object. No filters or wildcards: a path
 * names one node. Compiled once when a definition is read, so a bad path is refused at deploy.
 */
public final class JsonPath {

    private final String text;
    private final boolean context;
    private final List<Object> steps;

    private JsonPath(String text, boolean context, List<Object> steps) {
        this.text = text;
        this.context = context;
        this.steps = List.copyOf(steps);
    }

    public static JsonPath parse(String text) {
        if (text == null || !text.startsWith("$")) {
            throw new IllegalArgumentException("a path starts with $: '" + text + "'");
        }
        boolean context = text.startsWith("$$");
        int i = context ? 2 : 1;
        List<Object> steps = new ArrayList<>();
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < text.length() && text.charAt(end) != '.' && text.charAt(end) != '[') {
                    end++;
                }
                String field = text.substring(i + 1, end);
                if (field.isEmpty() || field.equals("*")) {
                    throw new IllegalArgumentException("'" + text + "': empty or wildcard field at " + i);
                }
                steps.add(field);
                i = end;
            } else if (c == '[') {
                int close = text.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("'" + text + "': unclosed [ at " + i);
                }
                String inside = text.substring(i + 1, close).trim();
                if (inside.length() >= 2 && (inside.startsWith("'") && inside.endsWith("'")
                        || inside.startsWith("\"") && inside.endsWith("\""))) {
                    steps.add(inside.substring(1, inside.length() - 1));
                } else {
                    try {
                        int index = Integer.parseInt(inside);
                        if (index < 0) {
                            throw new NumberFormatException();
                        }
                        steps.add(index);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "': [" + inside + "] is neither an index nor a quoted name");
                    }
                }
                i = close + 1;
            } else {
                throw new IllegalArgumentException("'" + text + "': unexpected '" + c + "' at " + i);
            }
        }
        return new JsonPath(text, context, steps);
    }

    /** Whether the path reads the context object ({@code $$}) rather than the state's input. */
    public boolean context() {
        return context;
    }

    /** The node the path names in {@code root}; fails with {@code States.Runtime} when there is none. */
    public JsonNode read(JsonNode root) {
        JsonNode at = root;
        for (Object step : steps) {
            JsonNode next = step instanceof Integer index ? (at.isArray() ? at.get(index) : null)
                    : (at.isObject() ? at.get((String) step) : null);
            if (next == null) {
                throw new WorkflowError(WorkflowError.RUNTIME, "the path " + text + " names nothing in the input");
            }
            at = next;
        }
        return at;
    }

    /** Whether the path names a node in {@code root}. */
    public boolean present(JsonNode root) {
        try {
            read(root);
            return true;
        } catch (WorkflowError e) {
            return false;
        }
    }

    /**
     * A copy of {@code root} with {@code value} put where the path names (ResultPath): missing
     * objects on the way are created; {@code $} replaces the whole.
     */
    public JsonNode write(JsonNode root, JsonNode value) {
        if (steps.isEmpty()) {
            return value;
        }
        JsonNode copy = root.isObject() || root.isArray() ? root.deepCopy() : JsonNodeFactory.instance.objectNode();
        JsonNode at = copy;
        for (int i = 0; i < steps.size(); i++) {
            Object step = steps.get(i);
            boolean last = i == steps.size() - 1;
            if (step instanceof Integer index) {
                if (!(at instanceof ArrayNode array) || index >= array.size()) {
                    throw new WorkflowError(WorkflowError.RUNTIME, "the result path " + text + " names no element of an array");
                }
                if (last) {
                    array.set(index, value);
                } else {
                    at = array.get(index);
                }
            } else {
                if (!(at instanceof ObjectNode object)) {
                    throw new WorkflowError(WorkflowError.RUNTIME, "the result path " + text + " runs into something not an object");
                }
                String field = (String) step;
                if (last) {
                    object.set(field, value);
                } else {
                    JsonNode next = object.get(field);
                    if (next == null || !(next.isObject() || next.isArray())) {
                        next = object.putObject(field);
                    }
                    at = next;
                }
            }
        }
        return copy;
    }

    @Override
    public String toString() {
        return text;
    }
}
