package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Hedged requests, as in Dean and Barroso, "The Tail at Scale" (CACM 56(2), 2013): a call of a
 * function declared {@code idempotent: true} that has not answered by that function's running
 * p95 at this gateway is sent again to the next node serving the app; the first answer wins and
 * the other copy is stopped: its node is told to cancel it, its sandbox interrupts the handler
 * and frees its slot (a copy that has done its work by then has run twice, which the function's
 * declaration allows). The p95 is read from a live latency histogram (HdrHistogram) of the
 * function's calls through this gateway over the last {@link #WINDOW}, once it holds
 * {@link #MIN_SAMPLES}; hedges are capped at {@link #BUDGET} of calls by a token bucket.
 */
final class Hedging {

    /** The most hedges per call, on average: each call earns this much of one. */
    static final double BUDGET = 0.05;
    /** Hedges saved up at most, so that a quiet spell does not buy a burst of them. */
    static final double MOST_SAVED = 10;
    /** Calls a function's latencies must hold before its p95 times a hedge. */
    static final int MIN_SAMPLES = 50;
    /** How far back a function's latencies count, about. */
    static final Duration WINDOW = Duration.ofSeconds(20);

    private final Map<Key, Latencies> latencies = new ConcurrentHashMap<>();
    private final Budget budget = new Budget(BUDGET, MOST_SAVED);
    private final LongSupplier nanoClock;
    private final AtomicLong hedged = new AtomicLong();

    private record Key(AppKey app, String function) {
    }

    Hedging(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * Whether a call may be hedged at all: its function declared idempotent (it may run twice),
     * not verified redundantly (it runs on two nodes anyway), not an async delivery (those run once
     * per invocation id), and a second node to send it to.
     */
    static boolean hedgeable(boolean idempotent, boolean redundant, boolean onlyOnce, int candidates) {
        return idempotent && !redundant && !onlyOnce && candidates >= 2;
    }

    /** How long a call of the function waits before a second copy goes: its p95 here; empty until it has enough calls. */
    Optional<Duration> delay(AppKey app, String function) {
        Latencies l = latencies.get(new Key(app, function));
        return l == null ? Optional.empty() : l.p95();
    }

    /** Counts a call (it earns its share of a hedge), and what it took, in nanoseconds, when it answered. */
    void called(AppKey app, String function, long nanos, boolean answered) {
        budget.earn();
        if (answered) {
            latencies.computeIfAbsent(new Key(app, function), k -> new Latencies(nanoClock.getAsLong())).record(nanos, nanoClock.getAsLong());
        }
    }

    /** Hedges sent by this gateway since it started. */
    long hedged() {
        return hedged.get();
    }

    /**
     * Runs {@code first}; if it has not given an answer ({@code answered}) within {@code delay} and
     * the budget allows, runs {@code second} as well, and returns whichever answers first — or, if
     * neither does, what {@code first} gave (its exception, if it threw). The copy that did not
     * answer first and still runs is then stopped: {@code stop} is told whether it is the first.
     */
    <A> A race(Supplier<A> first, Supplier<A> second, Duration delay, Predicate<A> answered, java.util.function.Consumer<Boolean> stop) {
        // each copy in the caller's trace
        CompletableFuture<A> a = CompletableFuture.supplyAsync(Context.current().wrapSupplier(first), Thread.ofVirtual()::start);
        try {
            return a.get(delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException late) {
            if (!budget.take()) {
                return join(a);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return join(a);
        } catch (ExecutionException failed) {
            return join(a);
        }
        hedged.incrementAndGet();
        CompletableFuture<A> b = CompletableFuture.supplyAsync(Context.current().wrapSupplier(second), Thread.ofVirtual()::start);
        CompletableFuture<Boolean> won = new CompletableFuture<>();
        var done = new AtomicInteger();
        for (CompletableFuture<A> copy : java.util.List.of(a, b)) {
            copy.whenComplete((r, error) -> {
                if (error == null && answered.test(r)) {
                    won.complete(copy == a);
                } else if (done.incrementAndGet() == 2) {
                    won.complete(true);
                }
            });
        }
        boolean firstWon = won.join();
        if (!(firstWon ? b : a).isDone()) {
            stop.accept(!firstWon);
        }
        return join(firstWon ? a : b);
    }

    private static <A> A join(CompletableFuture<A> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * A token bucket: each call earns {@code rate} of a hedge, at most {@code most} are saved, a
     * hedge spends one. Counted in thousandths of a hedge, so that twenty calls at 5% earn exactly one.
     */
    static final class Budget {
        private static final long ONE = 1000;
        private final long rate;
        private final long most;
        private long tokens; // guarded by this

        Budget(double rate, double most) {
            this.rate = Math.round(rate * ONE);
            this.most = Math.round(most * ONE);
        }

        synchronized void earn() {
            tokens = Math.min(most, tokens + rate);
        }

        synchronized boolean take() {
            if (tokens < ONE) {
                return false;
            }
            tokens -= ONE;
            return true;
        }
    }

    /**
     * A function's call latencies over the last {@link #WINDOW}: intervals of a tenth of it, the
     * latest recorded while those closed within the window are kept; its p95 is worked out again
     * as each interval closes.
     */
    static final class Latencies {
        private static final int INTERVALS = 10;
        private final Recorder recorder = new Recorder(2);
        private final java.util.ArrayDeque<Closed> closed = new java.util.ArrayDeque<>(); // guarded by this
        private long openedAt; // guarded by this
        private volatile long p95Nanos = -1;

        Latencies(long now) {
            openedAt = now;
        }

        void record(long nanos, long now) {
            recorder.recordValue(Math.max(1, nanos / 1000));
            if (now - openedAt > WINDOW.toNanos() / INTERVALS) {
                close(now);
            }
        }

        private synchronized void close(long now) {
            if (now - openedAt <= WINDOW.toNanos() / INTERVALS) {
                return; // another call closed it
            }
            closed.addLast(new Closed(recorder.getIntervalHistogram(), now));
            while (closed.getFirst().at() < now - WINDOW.toNanos()) {
                closed.removeFirst();
            }
            openedAt = now;
            Histogram window = new Histogram(2);
            closed.forEach(c -> window.add(c.latencies()));
            p95Nanos = window.getTotalCount() >= MIN_SAMPLES ? window.getValueAtPercentile(95) * 1000 : -1;
        }

        /** An interval's latencies, closed at {@code at} (nanoseconds). */
        private record Closed(Histogram latencies, long at) {
        }

        Optional<Duration> p95() {
            long p = p95Nanos;
            return p < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(p));
        }
    }
}
