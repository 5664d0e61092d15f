package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** A rule of a Choice state: a comparison of a variable, or And, Or, Not over rules. */
public sealed interface ChoiceRule {

    /** Whether the rule holds for the state's input, the context object and the workflow's variables. */
    boolean test(JsonNode input, JsonNode context, Map<String, JsonNode> variables);

    /** A JSONata state's rule: its {@code Condition} must evaluate to true or false. */
    record Condition(JsonataValue condition) implements ChoiceRule {
        @Override
        public boolean test(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            JsonNode v = condition.evaluate(new JsonataValue.Scope(input, context, null, null, variables));
            if (!v.isBoolean()) {
                throw new WorkflowError(JsonataValue.QUERY_EVALUATION_ERROR, "a Choice Condition gave " + v + ", not true or false");
            }
            return v.booleanValue();
        }
    }

    /** A top-level rule and the state it leads to. */
    record Branch(ChoiceRule rule, String next, JsonataValue output, StateDef.Assign assign) {
        Branch(ChoiceRule rule, String next) {
            this(rule, next, null, StateDef.Assign.NONE);
        }
    }

    record And(List<ChoiceRule> rules) implements ChoiceRule {
        @Override
        public boolean test(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            return rules.stream().allMatch(r -> r.test(input, context, variables));
        }
    }

    record Or(List<ChoiceRule> rules) implements ChoiceRule {
        @Override
        public boolean test(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            return rules.stream().anyMatch(r -> r.test(input, context, variables));
        }
    }

    record Not(ChoiceRule rule) implements ChoiceRule {
        @Override
        public boolean test(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            return !rule.test(input, context, variables);
        }
    }

    /**
     * {@code Variable} compared with a literal or, for the {@code …Path} operators, with the value
     * another path names. A comparison with a value of the wrong type is false; one whose variable
     * (or value path) names nothing fails with {@code States.Runtime}, as AWS Step Functions does —
     * test for it first with {@code IsPresent}.
     */
    record Comparison(JsonPath variable, String operator, JsonNode value, JsonPath valuePath) implements ChoiceRule {

        static final Set<String> OPERATORS = Set.of(
                "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
                "StringMatches", "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
                "NumericGreaterThanEquals", "BooleanEquals", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
                "TimestampLessThanEquals", "TimestampGreaterThanEquals", "IsPresent", "IsNull", "IsNumeric", "IsString",
                "IsBoolean", "IsTimestamp");

        @Override
        public boolean test(JsonNode input, JsonNode context, Map<String, JsonNode> variables) {
            boolean present = variable.present(input, context, variables);
            if (operator.equals("IsPresent")) {
                return present == value.asBoolean();
            }
            if (!present) {
                throw new WorkflowError(WorkflowError.RUNTIME, "the Choice rule's Variable " + variable + " names nothing in the input"
                        + " (an IsPresent rule tests for it)");
            }
            JsonNode v = variable.read(input, context, variables);
            JsonNode other = valuePath == null ? value : valuePath.read(input, context, variables);
            return switch (operator) {
                case "IsNull" -> v.isNull() == other.asBoolean();
                case "IsNumeric" -> v.isNumber() == other.asBoolean();
                case "IsString" -> v.isTextual() == other.asBoolean();
                case "IsBoolean" -> v.isBoolean() == other.asBoolean();
                case "IsTimestamp" -> (timestamp(v) != null) == other.asBoolean();
                case "BooleanEquals" -> v.isBoolean() && other.isBoolean() && v.asBoolean() == other.asBoolean();
                case "StringMatches" -> v.isTextual() && other.isTextual() && wildcard(other.asText()).matcher(v.asText()).matches();
                default -> compare(v, other);
            };
        }

        private boolean compare(JsonNode v, JsonNode other) {
            int c;
            if (operator.startsWith("Timestamp")) {
                Instant a = timestamp(v);
                Instant b = timestamp(other);
                if (a == null || b == null) {
                    return false;
                }
                c = a.compareTo(b);
            } else if (operator.startsWith("String")) {
                if (!v.isTextual() || !other.isTextual()) {
                    return false;
                }
                c = v.asText().compareTo(other.asText());
            } else {
                if (!v.isNumber() || !other.isNumber()) {
                    return false;
                }
                c = v.decimalValue().compareTo(other.decimalValue());
            }
            return switch (operator.replaceFirst("^(String|Numeric|Timestamp)", "")) {
                case "Equals" -> c == 0;
                case "LessThan" -> c < 0;
                case "GreaterThan" -> c > 0;
                case "LessThanEquals" -> c <= 0;
                case "GreaterThanEquals" -> c >= 0;
                default -> false;
            };
        }

        /** An RFC 3339 timestamp, or null when the value is not one. */
        private static Instant timestamp(JsonNode v) {
            if (!v.isTextual()) {
                return null;
            }
            try {
                return OffsetDateTime.parse(v.asText()).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        /** A StringMatches pattern: {@code *} is any run of characters, {@code \*} a star. */
        private static Pattern wildcard(String pattern) {
            StringBuilder regex = new StringBuilder();
            for (int i = 0; i < pattern.length(); i++) {
                char c = pattern.charAt(i);
                if (c == '\\' && i + 1 < pattern.length()) {
                    regex.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
                } else if (c == '*') {
                    regex.append(".*");
                } else {
                    regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(regex.toString(), Pattern.DOTALL);
        }
    }

    /** The operator field of a comparison rule object, or null when it has none. */
    static Map.Entry<String, JsonNode> operatorOf(JsonNode rule) {
        for (Map.Entry<String, JsonNode> e : rule.properties()) {
            String name = e.getKey().endsWith("Path") && !e.getKey().equals("Path")
                    ? e.getKey().substring(0, e.getKey().length() - 4) : e.getKey();
            if (Comparison.OPERATORS.contains(name)) {
                return e;
            }
        }
        return null;
    }
}
