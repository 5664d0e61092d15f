package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/** One state of a {@link Definition}. */
public sealed interface StateDef {

    String name();

    /**
     * Where data goes in and out of a state, and where it goes next ({@code next} null when it
     * ends): JSONPath's paths and templates, or, for a JSONata state, its {@code jsonata} fields.
     */
    record Io(Path inputPath, Path outputPath, Path resultPath, Template parameters, Template resultSelector, String next,
              Jsonata jsonata, Assign assign) {
        static final Io NONE = new Io(Path.ROOT, Path.ROOT, Path.ROOT, null, null, null, null, Assign.NONE);
    }

    /**
     * What a state (or a Catch, or a Choice rule) assigns to workflow variables as it ends: JSONata
     * values, or a JSONPath template whose {@code $} is the state's result; {@link #NONE} when it has no Assign.
     */
    record Assign(java.util.Map<String, JsonataValue> jsonata, Template jsonPath) {
        static final Assign NONE = new Assign(java.util.Map.of(), null);

        public Assign {
            jsonata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(jsonata));
        }

        boolean none() {
            return jsonata.isEmpty() && jsonPath == null;
        }
    }

    /**
     * The fields of a JSONata state: {@code Arguments}, {@code Output}, a Map's {@code Items} and
     * {@code ItemSelector}; null where absent.
     */
    record Jsonata(JsonataValue arguments, JsonataValue output, JsonataValue items, JsonataValue itemSelector,
                   JsonataValue maxConcurrency) {
    }

    /**
     * A path field: a {@link JsonPath}, or JSON {@code null} in the definition, which means "no
     * input" for InputPath and OutputPath ({@code {}}) and "discard the result" for ResultPath.
     */
    record Path(JsonPath path) {
        static final Path ROOT = new Path(JsonPath.parse("$"));
        static final Path NULL = new Path(null);

        boolean isNull() {
            return path == null;
        }
    }

    /**
     * Retry: on errors matching {@code errorEquals}, try again, at most {@code maxAttempts} times,
     * after {@code interval} × {@code backoffRate}^(tries so far), at most {@code maxDelay} (null:
     * no cap), and with {@code fullJitter} a random part of it (JitterStrategy FULL).
     */
    record Retrier(List<String> errorEquals, Duration interval, int maxAttempts, double backoffRate, Duration maxDelay,
                   boolean fullJitter) {
    }

    /**
     * Catch: on errors matching {@code errorEquals}, put the error at {@code resultPath} (JSONPath)
     * or pass on its {@code output} (JSONata; null: the error), assign, and go to {@code next}.
     */
    record Catcher(List<String> errorEquals, String next, Path resultPath, JsonataValue output, Assign assign) {
    }

    record Task(String name, Io io, String resource, Duration timeout, List<Retrier> retry, List<Catcher> catchers)
            implements StateDef {
    }

    record Pass(String name, Io io, JsonNode result) implements StateDef {
    }

    /** A Choice: the first rule that holds picks the next state; else {@code defaultNext} (null: fail). */
    record Choice(String name, Io io, List<ChoiceRule.Branch> choices, String defaultNext) implements StateDef {
    }

    record Parallel(String name, Io io, List<Definition> branches, List<Retrier> retry, List<Catcher> catchers)
            implements StateDef {
    }

    /**
     * A Map over the items at {@code itemsPath}, at most {@code maxConcurrency} at once (0: as many
     * as an inline Map runs, 40), or as many as {@code maxConcurrencyPath} reads; it fails once more
     * items failed than {@code tolerance} allows.
     */
    record MapState(String name, Io io, JsonPath itemsPath, Template itemSelector, int maxConcurrency, JsonPath maxConcurrencyPath,
                    Tolerance tolerance, Definition processor, List<Retrier> retry, List<Catcher> catchers) implements StateDef {
    }

    /**
     * How many failed items a Map tolerates: at most {@code count} (or what {@code countPath}
     * reads) and at most {@code percentage} percent (or what {@code percentagePath} reads); by
     * default none. AWS Step Functions' ToleratedFailureCount and ToleratedFailurePercentage.
     */
    record Tolerance(Integer count, JsonPath countPath, Double percentage, JsonPath percentagePath) {
        static final Tolerance NONE = new Tolerance(null, null, null, null);

        boolean none() {
            return count == null && countPath == null && percentage == null && percentagePath == null;
        }
    }

    /**
     * A Wait: for a number of seconds or until a time, given in the definition, read from the input
     * by a path, or (JSONata) computed by {@code secondsValue} or {@code timestampValue}.
     */
    record Wait(String name, Io io, Duration seconds, String timestamp, JsonPath secondsPath, JsonPath timestampPath,
                JsonataValue secondsValue, JsonataValue timestampValue) implements StateDef {
    }

    record Succeed(String name, Io io) implements StateDef {
    }

    /** A Fail: its error and cause given, read by ErrorPath and CausePath (a path or an intrinsic call), or absent (null). */
    record Fail(String name, String error, String cause, Expression errorPath, Expression causePath) implements StateDef {
    }
}
