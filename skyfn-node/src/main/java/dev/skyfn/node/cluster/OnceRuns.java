package dev.skyfn.node.cluster;

import dev.skyfn.node.invoke.Outcome;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The async invocations this node runs, by invocation id, so that a job handed out again (its
 * worker died, or stalled past its ack wait) runs on no second time while the first run goes on
 * or shortly after it ended: the second delivery joins the run in flight, or gets its outcome.
 * What a node forgets after {@code keep}, or loses when it dies, runs again: at least once, and
 * twice only when the first run's node died or its outcome was forgotten.
 */
final class OnceRuns {

    private static final long SWEEP_EVERY_NANOS = 1_000_000_000L;

    private record Run(CompletableFuture<Outcome> outcome, long startedNanos) {
    }

    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final Duration keep;
    private final int max;
    private final LongSupplier nanos;
    private volatile long sweptAt;

    /**
     * @param keep how long an ended run's outcome is kept after it started
     * @param max  runs kept at most; beyond it the oldest ended ones go first
     */
    OnceRuns(Duration keep, int max, LongSupplier nanos) {
        this.keep = keep;
        this.max = max;
        this.nanos = nanos;
    }

    /** The run of {@code invocationId}: the one in flight or kept, else a new one that {@code start} begins. */
    CompletableFuture<Outcome> run(String invocationId, Supplier<CompletableFuture<Outcome>> start) {
        sweep();
        var fresh = new CompletableFuture<Outcome>();
        Run held = runs.putIfAbsent(invocationId, new Run(fresh, nanos.getAsLong()));
        if (held != null) {
            return held.outcome();
        }
        try {
            start.get().whenComplete((o, failure) -> {
                if (failure != null) {
                    runs.remove(invocationId); // it did not run to an outcome: a redelivery runs it
                    fresh.completeExceptionally(failure);
                } else {
                    fresh.complete(o);
                }
            });
        } catch (RuntimeException e) {
            runs.remove(invocationId);
            fresh.completeExceptionally(e);
        }
        return fresh;
    }

    private void sweep() {
        long now = nanos.getAsLong();
        if (now - sweptAt < SWEEP_EVERY_NANOS && runs.size() <= max) {
            return;
        }
        sweptAt = now;
        runs.entrySet().removeIf(e -> e.getValue().outcome().isDone() && now - e.getValue().startedNanos() > keep.toNanos());
        if (runs.size() > max) {
            runs.entrySet().stream().filter(e -> e.getValue().outcome().isDone())
                    .sorted(Comparator.comparingLong(e -> e.getValue().startedNanos()))
                    .limit(runs.size() - max).map(Map.Entry::getKey).toList().forEach(runs::remove);
        }
    }
}
