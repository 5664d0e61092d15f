package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a state's Retry and Catch: its retriers and catchers, checked field by field. */
final class RecoveryReader {

    private static final Set<String> RETRY_FIELDS = Set.of("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
            "MaxDelaySeconds", "JitterStrategy", "Comment");

    private RecoveryReader() {
    }

    static List<StateDef.Retrier> retriers(JsonNode json, String at) {
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
            Duration maxDelay = DefinitionReader.seconds(r, "MaxDelaySeconds", where);
            if (maxDelay != null && maxDelay.isZero()) {
                throw new IllegalArgumentException(where + "MaxDelaySeconds: more than 0");
            }
            String jitter = r.has("JitterStrategy") ? DefinitionReader.text(r, "JitterStrategy", where) : "NONE";
            if (!jitter.equals("NONE") && !jitter.equals("FULL")) {
                throw new IllegalArgumentException(where + "JitterStrategy: FULL or NONE, not '" + jitter + "'");
            }
            return new StateDef.Retrier(errors(r, where), Duration.ofMillis(Math.round(interval * 1000)), attempts, backoff, maxDelay,
                    jitter.equals("FULL"));
        });
    }

    static List<StateDef.Catcher> catchers(JsonNode json, String at, boolean jsonata) {
        return list(json, "Catch", at, (c, where) -> {
            for (Map.Entry<String, JsonNode> f : c.properties()) {
                Set<String> known = jsonata ? Set.of("ErrorEquals", "Next", "Output", "Assign", "Comment")
                        : Set.of("ErrorEquals", "Next", "ResultPath", "Assign", "Comment");
                if (!known.contains(f.getKey())) {
                    throw new IllegalArgumentException(where + f.getKey() + ": not a field of a catcher (" + String.join(", ",
                            new java.util.TreeSet<>(known)) + ")");
                }
            }
            return new StateDef.Catcher(errors(c, where), DefinitionReader.text(c, "Next", where),
                    c.has("ResultPath") ? DefinitionReader.resultPath(c, "ResultPath", where) : StateDef.Path.ROOT,
                    jsonata ? JsonataFields.optional(c, "Output", where) : null, JsonataFields.assign(c, jsonata, where));
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
}
