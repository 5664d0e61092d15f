package dev.skyfn.core.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.skyfn.core.Fields;
import dev.skyfn.core.trigger.Schedule;
import dev.skyfn.core.trigger.Subjects;
import dev.skyfn.core.trigger.Trigger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads a function's {@code triggers}: a list of schedules and topic subscriptions, each checked with its field named. */
final class TriggerReader {

    private static final Set<String> SCHEDULE_FIELDS = Set.of("schedule", "timezone", "missed", "input");
    private static final Set<String> TOPIC_FIELDS = Set.of("topic", "batch", "maxAttempts", "backoff", "deadLetter", "ordering", "output", "delivery");
    private static final Set<String> STATE_FIELDS = Set.of("state", "maxAttempts", "backoff", "deadLetter");
    private static final Set<String> BATCH_FIELDS = Set.of("size", "window");
    private static final int MAX_TRIGGERS = 16;

    /** How events of a subscription are ordered. */
    enum Ordering { NONE, KEY }

    /** How often a topic trigger's function may see an event: at least once (kept, acknowledged), or at most once (as published). */
    enum Delivery { AT_LEAST_ONCE, AT_MOST_ONCE }

    /** A topic trigger's fields that only a delivery at least once has: retries and batches (and an order by key). */
    private static final List<String> AT_LEAST_ONCE_FIELDS = List.of("batch", "maxAttempts", "backoff");

    private TriggerReader() {
    }

    static List<Trigger> read(String app, String function, JsonNode node, String at) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!(node instanceof ArrayNode list)) {
            throw new ManifestException(at + ": expected a list of triggers ({schedule: …}, {topic: …} or {state: …})");
        }
        if (list.size() > MAX_TRIGGERS) {
            throw new ManifestException(at + ": at most " + MAX_TRIGGERS + " triggers per function");
        }
        List<Trigger> triggers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            triggers.add(trigger(app, function, i, list.get(i), at + "[" + i + "]"));
        }
        return triggers;
    }

    private static Trigger trigger(String app, String function, int index, JsonNode node, String at) {
        Fields t = Fields.of(node, at, "a mapping with 'schedule', 'topic' or 'state'", ManifestException::new);
        int kinds = (t.has("schedule") ? 1 : 0) + (t.has("topic") ? 1 : 0) + (t.has("state") ? 1 : 0);
        if (kinds == 0) {
            for (String kind : List.of("schedule", "topic", "state")) {
                if (node.has(kind) && node.get(kind).isNull()) {
                    throw t.fail(kind, "is empty: give " + switch (kind) {
                        case "schedule" -> "rate(5 minutes), cron(0 12 * * ? *) or a five-field cron";
                        case "topic" -> "a subject (orders.created, orders.*)";
                        default -> "a prefix of the app's global keys (carts/)";
                    });
                }
            }
        }
        if (kinds != 1) {
            throw new ManifestException(at + ": a trigger has one of 'schedule' (rate(5 minutes), cron(0 12 * * ? *)), 'topic' (a subject)"
                    + " or 'state' (a prefix of the app's global keys); found " + (t.names().isEmpty() ? "none"
                    : t.names().stream().map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", "))));
        }
        if (t.has("state")) {
            return state(app, function, index, t.only(STATE_FIELDS));
        }
        return t.has("schedule") ? schedule(index, t.only(SCHEDULE_FIELDS)) : topic(app, function, index, t.only(TOPIC_FIELDS));
    }

    private static Trigger schedule(int index, Fields t) {
        Schedule schedule;
        try {
            schedule = Schedule.parse(t.text("schedule"), t.text("timezone", null),
                    t.choice("missed", Schedule.Missed.class, Schedule.Missed.SKIP));
        } catch (IllegalArgumentException e) {
            throw t.fail(e.getMessage().contains("time zone") ? "timezone" : "schedule", e.getMessage());
        }
        JsonNode input = t.get("input");
        return new Trigger.OnSchedule(index, schedule, input == null || input.isNull() ? null : input.deepCopy());
    }

    private static Trigger topic(String app, String function, int index, Fields t) {
        String subject = t.text("topic");
        Subjects.patternProblem(subject).ifPresent(p -> {
            throw t.fail("topic", p);
        });
        Trigger.Batch batch = t.optionalObject("batch", "a mapping with 'size' and 'window'")
                .map(b -> b.only(BATCH_FIELDS))
                .map(b -> new Trigger.Batch(b.integer("size", 10, 1, 10_000), b.duration("window", Duration.ZERO, Duration.ZERO,
                        Duration.ofMinutes(5))))
                .orElse(Trigger.Batch.ONE);
        String deadLetter = subjectField(t, "deadLetter").orElse("dead-letter." + app + "." + function);
        Optional<String> output = subjectField(t, "output");
        if (output.filter(o -> Subjects.matches(subject, o)).isPresent()) {
            throw t.fail("output", "'" + output.get() + "' is a subject of the trigger's own topic '" + subject
                    + "': each result would run the function again");
        }
        if (Subjects.matches(subject, deadLetter)) {
            throw t.fail("deadLetter", "'" + deadLetter + "' is a subject of the trigger's own topic '" + subject
                    + "': a failed event would run the function again");
        }
        boolean atMostOnce = t.choice("delivery", Delivery.class, Delivery.AT_LEAST_ONCE) == Delivery.AT_MOST_ONCE;
        boolean keyOrdered = t.choice("ordering", Ordering.class, Ordering.NONE) == Ordering.KEY;
        if (atMostOnce) {
            for (String field : AT_LEAST_ONCE_FIELDS) {
                if (t.has(field)) {
                    throw atLeastOnce(t, field);
                }
            }
            if (keyOrdered) {
                throw atLeastOnce(t, "ordering");
            }
        }
        return new Trigger.OnTopic(index, subject, batch, atMostOnce ? 1 : t.integer("maxAttempts", 3, 1, 100),
                t.duration("backoff", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)), deadLetter,
                keyOrdered, output, atMostOnce);
    }

    private static RuntimeException atLeastOnce(Fields t, String field) {
        return t.fail(field, "'" + field + "' needs delivery: at-least-once; an event delivered at most once is run"
                + " once, alone and as it comes (a failed one goes to the dead-letter subject)");
    }

    private static Trigger state(String app, String function, int index, Fields t) {
        JsonNode prefix = t.get("state");
        if (!prefix.isTextual() || prefix.asText().length() > 1024) {
            throw t.fail("state", "expected a prefix of the app's global keys (text, \"\" for every key), found " + prefix);
        }
        return new Trigger.OnState(index, prefix.asText(), t.integer("maxAttempts", 3, 1, 100),
                t.duration("backoff", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)),
                subjectField(t, "deadLetter").orElse("dead-letter." + app + "." + function));
    }

    private static Optional<String> subjectField(Fields t, String field) {
        if (!t.has(field)) {
            return Optional.empty();
        }
        String subject = t.text(field);
        Subjects.problem(subject).ifPresent(p -> {
            throw t.fail(field, p);
        });
        return Optional.of(subject);
    }
}
