package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPathException;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * The paths of the Amazon States Language: JSONPath ({@code $.a.b}, {@code $['a b']},
 * {@code $.items[2]}, and wildcards, slices and filters such as {@code $.users[?(@.status == 0)]}),
 * read from the state's input, or from the context object for {@code $$.…}. A path that names one
 * node (a <em>reference path</em>) reads it, and fails with {@code States.Runtime} when there is
 * none; one with wildcards, slices or filters reads the list of what it matches, empty when
 * nothing does. Only reference paths may be written to (ResultPath). Compiled once, when a
 * definition is read, so a bad path is refused at deploy. Beyond reference paths, Jayway JsonPath does the reading.
 */
public final class JsonPath {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A path from a workflow variable: {@code $name}, then the path within it. */
    private static final java.util.regex.Pattern VARIABLE = java.util.regex.Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)(.*)", java.util.regex.Pattern.DOTALL);
    private static final Configuration JAYWAY = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider(MAPPER)).mappingProvider(new JacksonMappingProvider(MAPPER)).build();

    private final String text;
    private final boolean context;
    /** The workflow variable the path starts from ({@code $name.…}), or null. */
    private final String variable;
    /** The steps of a reference path; null for a path with wildcards, slices or filters. */
    private final List<Object> steps;
    /** The compiled path, for one that is not a reference path. */
    private final com.jayway.jsonpath.JsonPath query;

    private JsonPath(String text, boolean context, String variable, List<Object> steps, com.jayway.jsonpath.JsonPath query) {
        this.text = text;
        this.context = context;
        this.variable = variable;
        this.steps = steps == null ? null : List.copyOf(steps);
        this.query = query;
    }

    /** A path of either kind; IllegalArgumentException saying what is wrong with it. */
    public static JsonPath parse(String text) {
        if (text == null || !text.startsWith("$")) {
            throw new IllegalArgumentException("a path starts with $: '" + text + "'");
        }
        boolean context = text.startsWith("$$");
        java.util.regex.Matcher named = VARIABLE.matcher(text);
        String variable = !context && named.matches() ? named.group(1) : null;
        String relative = context ? text.substring(1) : variable != null ? "$" + named.group(2) : text;
        try {
            return new JsonPath(text, context, variable, steps(relative), null);
        } catch (IllegalArgumentException notAReference) {
            try {
                return new JsonPath(text, context, variable, null, com.jayway.jsonpath.JsonPath.compile(relative));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("'" + text + "' is not a JSONPath: " + e.getMessage());
            }
        }
    }

    /** A reference path, one that names a single node (ResultPath); IllegalArgumentException otherwise. */
    public static JsonPath reference(String text) {
        JsonPath path = parse(text);
        if (path.steps == null || path.variable != null || path.context) {
            throw new IllegalArgumentException("'" + text + "' is not a reference path into the state's data: it names one node of "
                    + "$, without wildcards, slices or filters, nor $$ or a variable");
        }
        return path;
    }

    private static List<Object> steps(String text) {
        List<Object> steps = new ArrayList<>();
        int i = 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < text.length() && text.charAt(end) != '.' && text.charAt(end) != '[') {
                    end++;
                }
                String field = text.substring(i + 1, end);
                if (field.isEmpty() || field.equals("*") || field.contains("(")) {
                    throw new IllegalArgumentException("'" + text + "': not a field at " + i);
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
                        || inside.startsWith("\"") && inside.endsWith("\"")) && !inside.contains(",")) {
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
        return steps;
    }

    /** Whether the path reads the context object ({@code $$}) rather than the state's input. */
    public boolean context() {
        return context;
    }

    /** Reads from the context object, a workflow variable or the input, whichever the path names. */
    public JsonNode read(JsonNode input, JsonNode contextObject, java.util.Map<String, JsonNode> variables) {
        if (variable != null) {
            JsonNode value = variables.get(variable);
            if (value == null) {
                throw new WorkflowError(WorkflowError.RUNTIME, "the path " + text + " names the variable $" + variable
                        + ", which is not assigned");
            }
            return read(value);
        }
        return read(context ? contextObject : input);
    }

    /** Whether the path names something (see {@link #read(JsonNode, JsonNode, java.util.Map)}). */
    public boolean present(JsonNode input, JsonNode contextObject, java.util.Map<String, JsonNode> variables) {
        try {
            read(input, contextObject, variables);
            return true;
        } catch (WorkflowError e) {
            return false;
        }
    }

    /**
     * The node a reference path names in {@code root}, or the array of what a path with wildcards,
     * slices or filters matches; fails with {@code States.Runtime} when a reference path names nothing.
     */
    public JsonNode read(JsonNode root) {
        if (steps == null) {
            return query(root);
        }
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

    private JsonNode query(JsonNode root) {
        if (!root.isContainerNode()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        try {
            Object found = query.read(root, JAYWAY);
            return found == null ? NullNode.getInstance() : found instanceof JsonNode node ? node : MAPPER.valueToTree(found);
        } catch (PathNotFoundException nothing) {
            return JsonNodeFactory.instance.arrayNode(); // a wildcard over nothing matches nothing
        } catch (JsonPathException e) {
            throw new WorkflowError(WorkflowError.RUNTIME, "the path " + text + " cannot be read from the input: " + e.getMessage());
        }
    }

    /**
     * A copy of {@code root} with {@code value} put where the reference path names (ResultPath):
     * missing objects on the way are created; {@code $} replaces the whole.
     */
    public JsonNode write(JsonNode root, JsonNode value) {
        if (steps == null) {
            throw new IllegalStateException(text + " is not a reference path");
        }
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
