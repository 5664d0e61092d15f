package dev.skyfn.core.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The intrinsic functions of the Amazon States Language ({@code States.Format('Hi {}', $.name)}),
 * as AWS Step Functions defines them, evaluated when the state runs: an argument of the wrong kind
 * fails the state with {@code States.IntrinsicFailure}. Calls are read by {@link IntrinsicParser}.
 */
final class Intrinsics {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Each function with its fewest and most arguments (-1: any number). */
    static final Map<String, int[]> ARITY = Map.ofEntries(
            Map.entry("Format", new int[] {1, -1}), Map.entry("StringToJson", new int[] {1, 1}),
            Map.entry("JsonToString", new int[] {1, 1}), Map.entry("Array", new int[] {0, -1}),
            Map.entry("ArrayPartition", new int[] {2, 2}), Map.entry("ArrayContains", new int[] {2, 2}),
            Map.entry("ArrayRange", new int[] {3, 3}), Map.entry("ArrayGetItem", new int[] {2, 2}),
            Map.entry("ArrayLength", new int[] {1, 1}), Map.entry("ArrayUnique", new int[] {1, 1}),
            Map.entry("Base64Encode", new int[] {1, 1}), Map.entry("Base64Decode", new int[] {1, 1}),
            Map.entry("Hash", new int[] {2, 2}), Map.entry("JsonMerge", new int[] {3, 3}),
            Map.entry("MathRandom", new int[] {2, 3}), Map.entry("MathAdd", new int[] {2, 2}),
            Map.entry("StringSplit", new int[] {2, 2}), Map.entry("UUID", new int[] {0, 0}));
    private static final Set<String> HASHES = Set.of("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512");
    private static final int MAX_RANGE = 1000;
    private static final int MAX_BASE64_INPUT = 10_000;

    private Intrinsics() {
    }

    /** Calls {@code States.function} with {@code args} evaluated (also what JSONata's $partition, $range, … run on). */
    static JsonNode apply(String function, List<JsonNode> a) {
        return switch (function) {
            case "Format" -> format(a);
            case "StringToJson" -> {
                String json = text(function, a.get(0));
                if (json.isBlank()) {
                    yield NullNode.getInstance(); // as AWS parses blank text
                }
                try {
                    yield MAPPER.readTree(json);
                } catch (JsonProcessingException e) {
                    throw failure(function, "the argument is not JSON text: " + e.getOriginalMessage());
                }
            }
            case "JsonToString" -> TextNode.valueOf(a.get(0).toString());
            case "Array" -> {
                ArrayNode out = JSON.arrayNode();
                a.forEach(out::add);
                yield out;
            }
            case "ArrayPartition" -> {
                ArrayNode array = array(function, a.get(0));
                int size = integer(function, a.get(1));
                if (size <= 0) {
                    throw failure(function, "the chunk size must be above 0, not " + size);
                }
                ArrayNode out = JSON.arrayNode();
                for (int i = 0; i < array.size(); i += size) {
                    ArrayNode chunk = out.addArray();
                    for (int j = i; j < Math.min(i + size, array.size()); j++) {
                        chunk.add(array.get(j));
                    }
                }
                yield out;
            }
            case "ArrayContains" -> {
                ArrayNode array = array(function, a.get(0));
                boolean found = false;
                for (JsonNode item : array) {
                    found |= item.equals(a.get(1));
                }
                yield BooleanNode.valueOf(found);
            }
            case "ArrayRange" -> {
                int start = integer(function, a.get(0));
                int end = integer(function, a.get(1));
                int step = integer(function, a.get(2));
                if (step == 0) {
                    throw failure(function, "the step must not be 0");
                }
                ArrayNode out = JSON.arrayNode();
                for (long i = start; step > 0 ? i <= end : i >= end; i += step) {
                    if (out.size() == MAX_RANGE) {
                        throw failure(function, "a range holds at most " + MAX_RANGE + " items");
                    }
                    out.add((int) i);
                }
                yield out;
            }
            case "ArrayGetItem" -> {
                ArrayNode array = array(function, a.get(0));
                int index = integer(function, a.get(1));
                if (index < 0 || index >= array.size()) {
                    throw failure(function, "index " + index + " is out of the array's bounds (size " + array.size() + ")");
                }
                yield array.get(index);
            }
            case "ArrayLength" -> IntNode.valueOf(array(function, a.get(0)).size());
            case "ArrayUnique" -> {
                Set<JsonNode> seen = new LinkedHashSet<>();
                array(function, a.get(0)).forEach(seen::add);
                ArrayNode out = JSON.arrayNode();
                seen.forEach(out::add);
                yield out;
            }
            case "Base64Encode" -> {
                String s = text(function, a.get(0));
                if (s.length() > MAX_BASE64_INPUT) {
                    throw failure(function, "at most " + MAX_BASE64_INPUT + " characters may be encoded");
                }
                yield TextNode.valueOf(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
            }
            case "Base64Decode" -> {
                try {
                    yield TextNode.valueOf(new String(Base64.getDecoder().decode(text(function, a.get(0))), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw failure(function, "not base64: " + e.getMessage());
                }
            }
            case "Hash" -> hash(a);
            case "JsonMerge" -> {
                if (!a.get(0).isObject() || !a.get(1).isObject()) {
                    throw failure(function, "both values to merge must be objects");
                }
                if (!a.get(2).isBoolean()) {
                    throw failure(function, "the third argument says whether to merge deeply: true or false");
                }
                if (a.get(2).booleanValue()) {
                    throw failure(function, "only a shallow merge is offered: the third argument must be false");
                }
                ObjectNode out = ((ObjectNode) a.get(0)).deepCopy();
                a.get(1).properties().forEach(e -> out.set(e.getKey(), e.getValue()));
                yield out;
            }
            case "MathRandom" -> {
                int start = integer(function, a.get(0));
                int end = integer(function, a.get(1));
                if (end <= start) {
                    throw failure(function, "the end " + end + " must be above the start " + start);
                }
                Random random = a.size() == 3 ? new Random(integer(function, a.get(2))) : ThreadLocalRandom.current();
                yield IntNode.valueOf(start + random.nextInt(end - start));
            }
            case "MathAdd" -> {
                long sum = rounded(function, a.get(0)) + rounded(function, a.get(1));
                if (sum != (int) sum) {
                    throw failure(function, "the sum " + sum + " is beyond a 32-bit integer");
                }
                yield IntNode.valueOf((int) sum);
            }
            case "StringSplit" -> {
                String s = text(function, a.get(0));
                String delimiters = text(function, a.get(1));
                ArrayNode out = JSON.arrayNode();
                StringBuilder token = new StringBuilder();
                for (int i = 0; i < s.length(); i++) {
                    if (delimiters.indexOf(s.charAt(i)) >= 0) {
                        addToken(out, token);
                    } else {
                        token.append(s.charAt(i));
                    }
                }
                addToken(out, token);
                yield out;
            }
            case "UUID" -> TextNode.valueOf(UUID.randomUUID().toString());
            default -> throw new IllegalStateException("States." + function);
        };
    }

    /** StringSplit keeps no empty token, as AWS splits. */
    private static void addToken(ArrayNode out, StringBuilder token) {
        if (!token.isEmpty()) {
            out.add(token.toString());
        }
        token.setLength(0);
    }

    private static JsonNode format(List<JsonNode> a) {
        String template = text("Format", a.get(0));
        StringBuilder out = new StringBuilder();
        int next = 1;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                if (next >= a.size()) {
                    throw failure("Format", "the template has more {} than there are arguments (" + (a.size() - 1) + ")");
                }
                out.append(formatted(a.get(next++)));
                i++;
            } else {
                out.append(c);
            }
        }
        if (next != a.size()) {
            throw failure("Format", "the template has fewer {} (" + (next - 1) + ") than there are arguments (" + (a.size() - 1) + ")");
        }
        return TextNode.valueOf(out.toString());
    }

    private static JsonNode hash(List<JsonNode> a) {
        String algorithm = text("Hash", a.get(1));
        if (!HASHES.contains(algorithm)) {
            throw failure("Hash", "'" + algorithm + "' is not one of " + String.join(", ", new java.util.TreeSet<>(HASHES)));
        }
        String data = a.get(0).isTextual() ? a.get(0).textValue() : a.get(0).toString();
        try {
            return TextNode.valueOf(HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data.getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(String function, JsonNode v) {
        if (!v.isTextual()) {
            throw failure(function, "expected a string, found " + describe(v));
        }
        return v.textValue();
    }

    private static ArrayNode array(String function, JsonNode v) {
        if (!(v instanceof ArrayNode array)) {
            throw failure(function, "expected an array, found " + describe(v));
        }
        return array;
    }

    private static int integer(String function, JsonNode v) {
        if (!v.isNumber() || !v.canConvertToInt() || v.isFloatingPointNumber() && v.doubleValue() != Math.rint(v.doubleValue())) {
            throw failure(function, "expected a whole number, found " + describe(v));
        }
        return v.intValue();
    }

    /** A number rounded to the nearest whole one, halves up (AWS's MathAdd rounds each argument so: 1.5 + 1.51 = 4). */
    private static long rounded(String function, JsonNode v) {
        if (!v.isNumber()) {
            throw failure(function, "expected a number, found " + describe(v));
        }
        long r = Math.round(v.doubleValue());
        if (r != (int) r) {
            throw failure(function, v + " is beyond a 32-bit integer");
        }
        return r;
    }

    /**
     * A value as States.Format writes it: text as it is, numbers, booleans and null as in JSON,
     * objects and arrays as AWS's Java runtime prints them ({@code {Arg1=1, Arg2=[]}}).
     */
    private static String formatted(JsonNode v) {
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(item -> items.add(formatted(item)));
            return "[" + String.join(", ", items) + "]";
        }
        if (v.isObject()) {
            List<String> fields = new ArrayList<>();
            v.properties().forEach(e -> fields.add(e.getKey() + "=" + formatted(e.getValue())));
            return "{" + String.join(", ", fields) + "}";
        }
        return v.toString();
    }

    private static String describe(JsonNode v) {
        String text = v.toString();
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + (text.length() > 60 ? text.substring(0, 60) + "…" : text);
    }

    private static WorkflowError failure(String function, String why) {
        return new WorkflowError(WorkflowError.INTRINSIC_FAILURE, "States." + function + ": " + why);
    }
}
