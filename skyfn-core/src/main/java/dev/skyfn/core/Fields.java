package dev.skyfn.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The fields of one mapping in a configuration file, read strictly: every error names the field
 * by its full path ({@code clouds.spot-eu.pricing.gbSecond: …}), and a field nobody knows is an
 * error rather than something silently ignored.
 */
public final class Fields {

    private final ObjectNode node;
    private final String at;
    private final Function<String, ? extends RuntimeException> error;

    private Fields(ObjectNode node, String at, Function<String, ? extends RuntimeException> error) {
        this.node = node;
        this.at = at;
        this.error = error;
    }

    /**
     * The mapping {@code node} found at path {@code at} ("" for the top); {@code expected} says
     * what should have been there when it is not a mapping.
     */
    public static Fields of(JsonNode node, String at, String expected, Function<String, ? extends RuntimeException> error) {
        if (!(node instanceof ObjectNode object)) {
            throw error.apply((at.isEmpty() ? "" : at + ": ") + "expected " + expected);
        }
        return new Fields(object, at, error);
    }

    /** Refuses any field not in {@code known}. */
    public Fields only(Set<String> known) {
        for (String field : names()) {
            if (!known.contains(field)) {
                throw fail(field, "unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
        return this;
    }

    /** The fields' names, in the file's order. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    public boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    public JsonNode get(String field) {
        return node.get(field);
    }

    /** The full path of {@code field}. */
    public String path(String field) {
        return at.isEmpty() ? field : at + "." + field;
    }

    /** An error about {@code field}, for checks the caller makes itself. */
    public RuntimeException fail(String field, String message) {
        return error.apply(path(field) + ": " + message);
    }

    /** A nested mapping, which must be there. */
    public Fields object(String field, String expected) {
        return of(node.get(field), path(field), expected, error);
    }

    public Optional<Fields> optionalObject(String field, String expected) {
        return has(field) ? Optional.of(object(field, expected)) : Optional.empty();
    }

    /** A text field, which must be there. */
    public String text(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw fail(field, "missing");
        }
        if (!v.isTextual()) {
            throw fail(field, "expected text, found " + type(v));
        }
        return v.asText();
    }

    public String text(String field, String fallback) {
        return has(field) ? text(field) : fallback;
    }

    /** A true or false field; {@code fallback} when absent. */
    public boolean bool(String field, boolean fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw fail(field, "expected true or false, found " + type(v));
        }
        return v.booleanValue();
    }

    /** One text or a list of them; empty when absent. */
    public List<String> texts(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        if (!v.isArray()) {
            throw fail(field, "expected text or a list of text, found " + type(v));
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw fail(field, "expected a list of text, found " + type(item) + " in it");
            }
            texts.add(item.asText());
        }
        return List.copyOf(texts);
    }

    /** A mapping of names to texts (numbers and booleans are taken as written); empty when absent. */
    public Map<String, String> textMap(String field) {
        if (!has(field)) {
            return Map.of();
        }
        Fields map = object(field, "a mapping of names to values");
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : map.names()) {
            JsonNode v = map.get(name);
            if (!v.isValueNode() || v.isNull()) {
                throw map.fail(name, "expected a single value, found " + type(v));
            }
            values.put(name, v.asText());
        }
        return values;
    }

    public int integer(String field, int fallback, int min, int max) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw fail(field, "expected a whole number, found '" + v.asText() + "'");
        }
        int n = v.intValue();
        if (n < min || n > max) {
            throw fail(field, n + " is out of range " + min + ".." + max);
        }
        return n;
    }

    public double number(String field, double fallback, double min, double max) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw fail(field, "expected a number, found '" + v.asText() + "'");
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw fail(field, v.asText() + " is out of range " + min + ".." + max);
        }
        return d;
    }

    public Duration duration(String field, Duration fallback, Duration min, Duration max) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        Duration d;
        try {
            d = Durations.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw fail(field, e.getMessage());
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw fail(field, v.asText() + " is out of range " + Durations.format(min) + ".." + Durations.format(max));
        }
        return d;
    }

    /** A field whose value is one of {@code values}' names, written in lower case with '-' for '_'. */
    public <E extends Enum<E>> E choice(String field, Class<E> values, E fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonNode value = node.get(field);
        String text = value.isValueNode() ? value.asText() : value.toString();
        for (E e : values.getEnumConstants()) {
            if (spelling(e).equals(text)) {
                return e;
            }
        }
        throw fail(field, "'" + text + "' is not one of "
                + String.join(", ", java.util.Arrays.stream(values.getEnumConstants()).map(Fields::spelling).toList()));
    }

    /** How an enum constant is written in configuration: {@code ON_DEMAND} as {@code on-demand}. */
    public static String spelling(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String type(JsonNode v) {
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
