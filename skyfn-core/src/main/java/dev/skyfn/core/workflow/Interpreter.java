package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs an execution of a {@link Definition}: states one after the other on the calling thread,
 * Parallel branches and Map items each on a thread of their own, Retry and Catch as the Amazon
 * States Language says. Everything outside — running a Task's function, time, recording steps,
 * the outcomes recorded by an earlier run — goes through the {@link Runtime}, so the interpreter
 * runs the same in a sandbox and in a test with a fake clock.
 *
 * <p>Resuming after a crash is running again from the start with the recorded outcomes: a Task or
 * Wait whose outcome was recorded is not run again, everything else is computed again from them.
 */
public final class Interpreter {

    /** What an execution reaches out to. */
    public interface Runtime {

        /** Runs a Task's function; fails with a {@link WorkflowError} named after what went wrong. */
        JsonNode task(String resource, JsonNode input, Duration timeout, String idempotencyKey) throws InterruptedException;

        Instant now();

        void sleepUntil(Instant until) throws InterruptedException;

        void record(Step step);

        /** The outcome recorded for a step by an earlier run of this execution. */
        Optional<Step> recorded(String key);

        /** Starts a Parallel branch or Map item on a thread of its own. */
        Thread start(Runnable work);
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Runtime runtime;
    private final String workflow;
    private final String executionId;
    private final JsonNode executionInput;
    private final Instant started;

    private Interpreter(Runtime runtime, String workflow, String executionId, JsonNode input) {
        this.runtime = runtime;
        this.workflow = workflow;
        this.executionId = executionId;
        this.executionInput = input;
        this.started = runtime.now();
    }

    /** Runs an execution to its end: its output, or a {@link WorkflowError} it failed with. */
    public static JsonNode run(Definition definition, JsonNode input, String executionId, Runtime runtime)
            throws InterruptedException {
        return run(definition, "", input, executionId, runtime);
    }

    /** {@link #run(Definition, JsonNode, String, Runtime)} of the workflow named {@code workflow} ({@code $$.StateMachine.Name}). */
    public static JsonNode run(Definition definition, String workflow, JsonNode input, String executionId, Runtime runtime)
            throws InterruptedException {
        return new Interpreter(runtime, workflow, executionId, input).machine(definition, input, "", null, Map.of());
    }

    /** The result of one state: its output, the state after it (null when the machine ends) and the variables then. */
    private record Transition(JsonNode output, String next, Map<String, JsonNode> variables) {
    }

    /** Runs a machine from its start; {@code variables} are those it starts with (a branch's copy of its parent's). */
    private JsonNode machine(Definition d, JsonNode input, String scope, JsonNode mapItem, Map<String, JsonNode> variables)
            throws InterruptedException {
        String current = d.startAt();
        JsonNode data = input;
        Map<String, JsonNode> vars = variables;
        Map<String, Integer> visits = new HashMap<>();
        while (true) {
            StateDef state = d.states().get(current);
            int visit = visits.merge(current, 1, Integer::sum);
            String key = scope + current + (visit > 1 ? "#" + visit : "");
            Transition t = state(state, data, key, mapItem, vars);
            if (t.next() == null) {
                return t.output();
            }
            data = t.output();
            vars = t.variables();
            current = t.next();
        }
    }

    private Transition state(StateDef state, JsonNode input, String key, JsonNode mapItem, Map<String, JsonNode> vars)
            throws InterruptedException {
        StateDef.Io io = DefinitionReader.io(state);
        // the context object ($$) is built only for the templates and rules that read it, once per state
        JsonNode[] built = new JsonNode[1];
        Supplier<JsonNode> context = () -> built[0] != null ? built[0] : (built[0] = context(state.name(), mapItem));
        DataFlow flow = new DataFlow(io, context, vars);
        return switch (state) {
            case StateDef.Fail f -> {
                String error = f.errorPath() != null ? failText(f, "Error", f.errorPath().evaluate(input, context.get(), vars)) : f.error();
                String cause = f.causePath() != null ? failText(f, "Cause", f.causePath().evaluate(input, context.get(), vars)) : f.cause();
                record(key, f, Step.Phase.FAILED, null, error, cause, 0);
                throw new WorkflowError(error, cause);
            }
            case StateDef.Succeed s -> passed(key, s, flow, input, null, null, null);
            case StateDef.Choice c -> {
                ChoiceRule.Branch taken = choose(c, io.jsonata() != null ? input : flow.in(input), context, vars);
                yield passed(key, c, flow, input, null, taken == null ? c.defaultNext() : taken.next(), taken);
            }
            case StateDef.Pass p -> passed(key, p, flow, input, p.result(), io.next(), null);
            case StateDef.Wait w -> {
                wait(w, flow.in(input), key, flow);
                yield passed(key, w, flow, input, null, io.next(), null);
            }
            case StateDef.Task t -> withRetry(key, t, input, t.retry(), t.catchers(), flow,
                    attempt -> task(t, flow.effective(input), key, attempt));
            case StateDef.Parallel p -> withRetry(key, p, input, p.retry(), p.catchers(), flow,
                    attempt -> parallel(p, flow.effective(input), key, vars));
            case StateDef.MapState m -> withRetry(key, m, input, m.retry(), m.catchers(), flow,
                    attempt -> map(m, input, flow, key));
        };
    }

    /**
     * A state without work (Pass, Choice, Wait, Succeed), recorded as it ends; {@code passResult} a
     * Pass's Result; {@code rule} the Choice rule taken, whose own Output and Assign go before the state's.
     */
    private Transition passed(String key, StateDef state, DataFlow flow, JsonNode input, JsonNode passResult, String next,
                              ChoiceRule.Branch rule) {
        // computed once: Parameters may call States.UUID(), and Assign must see what was passed on
        JsonNode result = flow.io().jsonata() != null ? null : passResult != null ? passResult : flow.effective(input);
        JsonNode output = rule != null && rule.output() != null
                ? rule.output().evaluate(flow.scope(input, null, null)) : flow.passOn(input, result);
        StateDef.Assign assign = rule != null && !rule.assign().none() ? rule.assign() : flow.io().assign();
        Map<String, JsonNode> vars = flow.assigned(assign, input, result, null);
        record(key, state, Step.Phase.SUCCEEDED, output, null, null, 0);
        return new Transition(output, next, vars);
    }

    /** The work of a Task, Parallel or Map state, for one attempt. */
    @FunctionalInterface
    private interface Attempt {
        JsonNode run(int attempt) throws InterruptedException;
    }

    /** What ErrorPath or CausePath read, which must be a string. */
    private static String failText(StateDef.Fail f, String field, JsonNode value) {
        if (!value.isTextual()) {
            throw new WorkflowError(WorkflowError.RUNTIME, "Fail " + f.name() + ": " + field + " gives " + value.getNodeType().name()
                    .toLowerCase(java.util.Locale.ROOT) + " " + value + ", not a string");
        }
        return value.textValue();
    }

    private Transition withRetry(String key, StateDef state, JsonNode input, List<StateDef.Retrier> retry,
                                 List<StateDef.Catcher> catchers, DataFlow flow, Attempt work) throws InterruptedException {
        StateDef.Io io = flow.io();
        int[] tries = new int[retry.size()];
        for (int attempt = 1; ; attempt++) {
            try {
                JsonNode result = work.run(attempt);
                if (!(state instanceof StateDef.Task)) {
                    record(key, state, Step.Phase.SUCCEEDED, null, null, null, attempt);
                }
                return new Transition(flow.passOnResult(input, result), io.next(),
                        flow.assigned(io.assign(), input, io.jsonata() != null ? result : flow.selected(result), null));
            } catch (WorkflowError e) {
                int r = e.settled() ? -1 : matching(retry, e);
                if (r >= 0 && tries[r] < retry.get(r).maxAttempts()) {
                    Duration delay = delay(retry.get(r), tries[r]);
                    tries[r]++;
                    record(key, state, Step.Phase.RETRYING, null, e.error(), e.cause(), attempt);
                    runtime.sleepUntil(runtime.now().plus(delay));
                    continue;
                }
                if (!e.settled()) {
                    record(key, state, Step.Phase.FAILED, null, e.error(), e.cause(), attempt);
                }
                for (StateDef.Catcher c : catchers) {
                    if (c.errorEquals().stream().anyMatch(e::matches)) {
                        ObjectNode error = JSON.objectNode().put("Error", e.error()).put("Cause", e.cause());
                        return new Transition(flow.caught(c, input, error), c.next(), flow.assigned(c.assign(), input, null, error));
                    }
                }
                throw e;
            }
        }
    }

    /**
     * How long to wait before retry number {@code tries} + 1: IntervalSeconds × BackoffRate^tries,
     * at most MaxDelaySeconds, and with JitterStrategy FULL a uniformly random part of that
     * ("full jitter", as AWS Step Functions retries).
     */
    static Duration delay(StateDef.Retrier retrier, int tries) {
        double millis = retrier.interval().toMillis() * Math.pow(retrier.backoffRate(), tries);
        if (retrier.maxDelay() != null) {
            millis = Math.min(millis, retrier.maxDelay().toMillis());
        }
        if (retrier.fullJitter()) {
            millis = java.util.concurrent.ThreadLocalRandom.current().nextDouble() * millis;
        }
        return Duration.ofMillis(Math.round(millis));
    }

    private static int matching(List<StateDef.Retrier> retry, WorkflowError e) {
        for (int i = 0; i < retry.size(); i++) {
            if (retry.get(i).errorEquals().stream().anyMatch(e::matches)) {
                return i;
            }
        }
        return -1;
    }

    private JsonNode task(StateDef.Task t, JsonNode effective, String key, int attempt) throws InterruptedException {
        Optional<Step> recorded = runtime.recorded(key).filter(Step::settles);
        if (recorded.isPresent()) {
            Step s = recorded.get();
            if (s.phase() == Step.Phase.FAILED) {
                throw WorkflowError.settled(s.error(), s.cause());
            }
            return s.data();
        }
        record(key, t, Step.Phase.ENTERED, effective, null, null, attempt);
        JsonNode result = runtime.task(t.resource(), effective, t.timeout(), executionId + "/" + key);
        record(key, t, Step.Phase.SUCCEEDED, result, null, null, attempt);
        return result;
    }

    private JsonNode parallel(StateDef.Parallel p, JsonNode effective, String key, Map<String, JsonNode> vars) throws InterruptedException {
        record(key, p, Step.Phase.ENTERED, null, null, null, 0);
        List<JsonNode> results = branches(p.branches().size(), 0, 0,
                i -> machine(p.branches().get(i), effective, key + "(" + i + ")/", null, vars));
        ArrayNode out = JSON.arrayNode();
        results.forEach(out::add);
        return out;
    }

    /** Iterations an inline Map runs at once at most, whatever its MaxConcurrency says (AWS Step Functions' limit). */
    static final int INLINE_MAP_CONCURRENCY = 40;

    private JsonNode map(StateDef.MapState m, JsonNode input, DataFlow flow, String key) throws InterruptedException {
        record(key, m, Step.Phase.ENTERED, null, null, null, 0);
        JsonNode effective = flow.in(input);
        JsonNode items = flow.items(m, input, effective);
        if (!items.isArray()) {
            throw new WorkflowError(flow.io().jsonata() != null ? JsonataValue.QUERY_EVALUATION_ERROR : WorkflowError.RUNTIME,
                    "the items of Map state " + m.name() + " are not an array: " + items.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        StateDef.Jsonata j = flow.io().jsonata();
        int limit = j != null && j.maxConcurrency() != null ? whole(m, "MaxConcurrency", j.maxConcurrency().evaluate(flow.scope(input, null, null)))
                : m.maxConcurrencyPath() == null ? m.maxConcurrency() : whole(m, "MaxConcurrencyPath", flow.read(m.maxConcurrencyPath(), effective));
        limit = limit == 0 ? INLINE_MAP_CONCURRENCY : Math.min(limit, INLINE_MAP_CONCURRENCY);
        int tolerated = tolerated(m, effective, items.size(), flow);
        List<JsonNode> results = branches(items.size(), limit, tolerated, i -> {
            JsonNode item = items.get(i);
            ObjectNode itemContext = JSON.objectNode().put("Index", i).set("Value", item);
            JsonNode itemInput = flow.item(m, input, effective, item, context(m.name(), itemContext));
            return machine(m.processor(), itemInput, key + "[" + i + "]/", itemContext, flow.variables());
        });
        ArrayNode out = JSON.arrayNode();
        results.forEach(out::add);
        return out;
    }

    /** How many of {@code count} items may fail before the Map does: the lower of its count and its percentage. */
    private static int tolerated(StateDef.MapState m, JsonNode effective, int count, DataFlow flow) {
        StateDef.Tolerance t = m.tolerance();
        if (t.none()) {
            return 0;
        }
        long byCount = t.count() != null ? t.count() : t.countPath() != null ? whole(m, "ToleratedFailureCountPath", flow.read(t.countPath(), effective))
                : Long.MAX_VALUE;
        double percent = t.percentage() != null ? t.percentage() : t.percentagePath() != null
                ? percentage(m, flow.read(t.percentagePath(), effective)) : 100;
        long byPercent = (long) Math.floor(count * percent / 100);
        return (int) Math.min(Math.min(byCount, byPercent), count);
    }

    private static int whole(StateDef.MapState m, String field, JsonNode value) {
        if (value.isTextual() && value.asText().matches("\\d{1,9}")) {
            return Integer.parseInt(value.asText()); // AWS takes "1" as 1
        }
        if (!value.isIntegralNumber() || value.asLong() < 0 || !value.canConvertToInt()) {
            throw new WorkflowError(WorkflowError.RUNTIME, "Map " + m.name() + ": " + field + " gives " + value + ", not a whole number");
        }
        return value.intValue();
    }

    private static double percentage(StateDef.MapState m, JsonNode value) {
        if (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > 100) {
            throw new WorkflowError(WorkflowError.RUNTIME, "Map " + m.name() + ": ToleratedFailurePercentagePath gives " + value
                    + ", not a percentage");
        }
        return value.asDouble();
    }

    /** One branch of a Parallel, or one item of a Map. */
    @FunctionalInterface
    private interface Branch {
        JsonNode run(int index) throws InterruptedException;
    }

    /**
     * Runs {@code count} branches, at most {@code limit} at once (0: all), each on its own thread.
     * Once more than {@code tolerated} have failed, the failure stops the others and is the result:
     * the first branch's own error when none is tolerated (a Parallel), {@code States.ExceedToleratedFailureThreshold}
     * otherwise. A failed branch tolerated gives its error as its output ({@code {"Error", "Cause"}}).
     */
    private List<JsonNode> branches(int count, int limit, int tolerated, Branch branch) throws InterruptedException {
        JsonNode[] results = new JsonNode[count];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        Semaphore slots = new Semaphore(limit == 0 ? Integer.MAX_VALUE : limit);
        List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < count && failure.get() == null; i++) {
                slots.acquire();
                int index = i;
                threads.add(runtime.start(() -> {
                    try {
                        results[index] = branch.run(index);
                    } catch (WorkflowError e) {
                        if (e.handleable() && failed.incrementAndGet() <= tolerated) {
                            results[index] = JSON.objectNode().put("Error", e.error()).put("Cause", e.cause());
                        } else if (failure.compareAndSet(null, tolerated == 0 || !e.handleable() ? e : new WorkflowError(
                                "States.ExceedToleratedFailureThreshold", "the Map state failed because the number of failed items "
                                + "exceeded the tolerated failure threshold"))) {
                            threads.forEach(Thread::interrupt);
                        }
                    } catch (Throwable t) {
                        if (failure.compareAndSet(null, t)) {
                            threads.forEach(Thread::interrupt);
                        }
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Thread t : List.copyOf(threads)) {
                t.join();
            }
        } finally {
            for (Thread t : threads) {
                t.interrupt();
            }
        }
        Throwable t = failure.get();
        if (t instanceof WorkflowError e) {
            throw e;
        }
        if (t instanceof InterruptedException e) {
            throw e;
        }
        if (t != null) {
            throw new WorkflowError(WorkflowError.RUNTIME, "a branch failed: " + t);
        }
        return List.of(results);
    }

    private void wait(StateDef.Wait w, JsonNode effective, String key, DataFlow flow) throws InterruptedException {
        Optional<Step> recorded = runtime.recorded(key).filter(Step::settles);
        Instant until = recorded.map(s -> Instant.parse(s.data().asText())).orElseGet(() -> until(w, effective, flow));
        if (recorded.isEmpty()) {
            record(key, w, Step.Phase.WAITING, JSON.textNode(until.toString()), null, null, 0);
        }
        runtime.sleepUntil(until);
    }

    private Instant until(StateDef.Wait w, JsonNode effective, DataFlow flow) {
        if (w.secondsValue() != null) {
            JsonNode s = w.secondsValue().evaluate(flow.scope(effective, null, null));
            if (!s.isIntegralNumber() || s.asLong() < 0) {
                throw new WorkflowError(JsonataValue.QUERY_EVALUATION_ERROR, "Wait " + w.name() + ": Seconds gave " + s + ", not a whole number of seconds");
            }
            return runtime.now().plusSeconds(s.asLong());
        }
        if (w.timestampValue() != null) {
            String t = w.timestampValue().evaluate(flow.scope(effective, null, null)).asText();
            try {
                return java.time.OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeParseException e) {
                throw new WorkflowError(JsonataValue.QUERY_EVALUATION_ERROR, "Wait " + w.name()
                        + ": the Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: " + t);
            }
        }
        try {
            if (w.seconds() != null) {
                return runtime.now().plus(w.seconds());
            }
            if (w.timestamp() != null) {
                return Instant.parse(w.timestamp());
            }
            if (w.secondsPath() != null) {
                JsonNode s = flow.read(w.secondsPath(), effective);
                if (!s.isNumber() || s.asDouble() < 0) {
                    throw new WorkflowError(WorkflowError.RUNTIME, "Wait " + w.name() + ": " + w.secondsPath() + " is not a number of seconds");
                }
                return runtime.now().plusMillis(Math.round(s.asDouble() * 1000));
            }
            return Instant.parse(flow.read(w.timestampPath(), effective).asText());
        } catch (DateTimeParseException e) {
            throw new WorkflowError(WorkflowError.RUNTIME, "Wait " + w.name() + ": not a timestamp: " + e.getParsedString());
        }
    }

    /** The first rule that holds, or null when none does and the Choice has a Default. */
    private static ChoiceRule.Branch choose(StateDef.Choice c, JsonNode input, Supplier<JsonNode> context, Map<String, JsonNode> vars) {
        for (ChoiceRule.Branch b : c.choices()) {
            if (b.rule().test(input, context.get(), vars)) {
                return b;
            }
        }
        if (c.defaultNext() == null) {
            throw new WorkflowError("States.NoChoiceMatched", "no rule of Choice state " + c.name() + " matched and it has no Default");
        }
        return null;
    }

    private JsonNode context(String state, JsonNode mapItem) {
        ObjectNode ctx = JSON.objectNode();
        ctx.putObject("Execution").put("Id", executionId).put("Name", executionId).put("StartTime", started.toString())
                .put("RedriveCount", 0).set("Input", executionInput);
        ctx.putObject("State").put("Name", state).put("EnteredTime", runtime.now().toString());
        ctx.putObject("StateMachine").put("Id", workflow).put("Name", workflow);
        if (mapItem != null) {
            ctx.putObject("Map").set("Item", mapItem);
        }
        return ctx;
    }

    private void record(String key, StateDef state, Step.Phase phase, JsonNode data, String error, String cause, int attempt) {
        runtime.record(new Step(key, state.name(), state instanceof StateDef.MapState ? "Map" : state.getClass().getSimpleName(), phase,
                runtime.now(), data, error, cause, attempt));
    }
}
