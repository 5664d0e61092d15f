package dev.skyfn.core.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an intrinsic function call ({@code States.Format('Hi {}', $.name)}) when a definition is
 * read: unknown functions and wrong argument counts are refused then. Arguments are string
 * literals in single quotes ({@code \'}, {@code \{}, {@code \}} and {@code \\} escaped),
 * numbers, {@code true}, {@code false}, {@code null}, paths ({@code $.a}, {@code $$.Execution.Id})
 * and other intrinsic calls.
 */
final class IntrinsicParser {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private IntrinsicParser() {
    }

    /** A call, parsed: its function and arguments. */
    record Call(String function, List<Expression> args) implements Expression {
        @Override
        public JsonNode evaluate(JsonNode input, JsonNode context, java.util.Map<String, JsonNode> variables) {
            List<JsonNode> values = new ArrayList<>(args.size());
            for (Expression a : args) {
                values.add(a.evaluate(input, context, variables));
            }
            return Intrinsics.apply(function, values);
        }
    }

    record Literal(JsonNode value) implements Expression {
        @Override
        public JsonNode evaluate(JsonNode input, JsonNode context, java.util.Map<String, JsonNode> variables) {
            return value;
        }
    }

    /** Parses {@code text}, a whole call such as {@code States.ArrayLength($.items)}. */
    static Expression parse(String text) {
        var p = new Parser(text);
        Expression call = p.call();
        p.spaces();
        if (p.at < text.length()) {
            throw p.fail("unexpected '" + text.substring(p.at) + "' after the call");
        }
        return call;
    }

    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Expression call() {
            int start = at;
            if (!text.startsWith("States.", at)) {
                throw fail("an intrinsic function starts with States.");
            }
            at += "States.".length();
            while (at < text.length() && Character.isLetterOrDigit(text.charAt(at))) {
                at++;
            }
            String name = text.substring(start + "States.".length(), at);
            int[] arity = Intrinsics.ARITY.get(name);
            if (arity == null) {
                throw fail("States." + name + " is not an intrinsic function (" + String.join(", ", Intrinsics.ARITY.keySet().stream()
                        .sorted().map(n -> "States." + n).toList()) + ")");
            }
            spaces();
            expect('(');
            List<Expression> args = new ArrayList<>();
            spaces();
            if (peek() != ')') {
                while (true) {
                    args.add(argument());
                    spaces();
                    if (peek() == ',') {
                        at++;
                        spaces();
                        continue;
                    }
                    break;
                }
            }
            expect(')');
            if (args.size() < arity[0] || arity[1] >= 0 && args.size() > arity[1]) {
                throw fail("States." + name + " takes " + (arity[0] == arity[1] ? String.valueOf(arity[0])
                        : arity[1] < 0 ? "at least " + arity[0] : arity[0] + " or " + arity[1]) + " arguments, not " + args.size());
            }
            return new Call(name, List.copyOf(args));
        }

        Expression argument() {
            char c = peek();
            if (c == '\'') {
                return new Literal(TextNode.valueOf(string()));
            }
            if (c == '$') {
                String path = pathText();
                try {
                    return Expression.parse(path);
                } catch (IllegalArgumentException e) {
                    throw fail(e.getMessage());
                }
            }
            if (text.startsWith("States.", at)) {
                return call();
            }
            int start = at;
            while (at < text.length() && ",) ".indexOf(text.charAt(at)) < 0) {
                at++;
            }
            String word = text.substring(start, at);
            return switch (word) {
                case "true" -> new Literal(BooleanNode.TRUE);
                case "false" -> new Literal(BooleanNode.FALSE);
                case "null" -> new Literal(NullNode.getInstance());
                default -> {
                    JsonNode number = null;
                    try {
                        number = MAPPER.readTree(word);
                    } catch (JsonProcessingException | RuntimeException e) {
                        // not a number either: said below
                    }
                    if (number == null || !number.isNumber()) {
                        throw fail("'" + word + "' is not an argument (a 'string', a number, true, false, null, a path or States.…)");
                    }
                    yield new Literal(number);
                }
            };
        }

        /** A single-quoted string, its escapes undone. */
        String string() {
            at++;
            StringBuilder out = new StringBuilder();
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '\\' && at < text.length()) {
                    out.append(text.charAt(at++));
                } else if (c == '\'') {
                    return out.toString();
                } else {
                    out.append(c);
                }
            }
            throw fail("a string is not closed");
        }

        /** A path argument: up to a comma or parenthesis outside brackets and quotes. */
        String pathText() {
            int start = at;
            int depth = 0;
            char quote = 0;
            while (at < text.length()) {
                char c = text.charAt(at);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '[' || c == '(') {
                    depth++;
                } else if (c == ']' || c == ')') {
                    if (depth == 0) {
                        break;
                    }
                    depth--;
                } else if (c == ',' && depth == 0) {
                    break;
                }
                at++;
            }
            return text.substring(start, at).strip();
        }

        char peek() {
            return at < text.length() ? text.charAt(at) : 0;
        }

        void expect(char c) {
            if (peek() != c) {
                throw fail("expected '" + c + "' at " + at);
            }
            at++;
        }

        void spaces() {
            while (at < text.length() && text.charAt(at) == ' ') {
                at++;
            }
        }

        IllegalArgumentException fail(String why) {
            return new IllegalArgumentException("'" + text + "': " + why);
        }
    }
}
