package dev.skyfn.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A runtime for the interpreter in tests: functions as lambdas, a clock that jumps instead of sleeping. */
final class FakeRuntime implements Interpreter.Runtime {

    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
    final Map<String, Function<JsonNode, JsonNode>> functions = new ConcurrentHashMap<>();
    final List<Step> steps = new CopyOnWriteArrayList<>();
    final Map<String, Step> memo = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostRunning = new AtomicInteger();

    FakeRuntime function(String name, Function<JsonNode, JsonNode> f) {
        functions.put(name, f);
        return this;
    }

    @Override
    public JsonNode task(String resource, JsonNode input, Duration timeout, String idempotencyKey) {
        calls.add(resource + " " + input);
        int n = running.incrementAndGet();
        mostRunning.accumulateAndGet(n, Math::max);
        try {
            Thread.onSpinWait();
            return functions.get(resource).apply(input);
        } finally {
            running.decrementAndGet();
        }
    }

    @Override
    public Instant now() {
        return now;
    }

    @Override
    public synchronized void sleepUntil(Instant until) {
        if (until.isAfter(now)) {
            now = until;
        }
    }

    @Override
    public void record(Step step) {
        steps.add(step);
    }

    @Override
    public Optional<Step> recorded(String key) {
        return Optional.ofNullable(memo.get(key));
    }

    @Override
    public Thread start(Runnable work) {
        return Thread.ofVirtual().start(work);
    }

    /** The steps of one phase, as "key" strings. */
    List<String> keys(Step.Phase phase) {
        return steps.stream().filter(s -> s.phase() == phase).map(Step::key).toList();
    }
}
