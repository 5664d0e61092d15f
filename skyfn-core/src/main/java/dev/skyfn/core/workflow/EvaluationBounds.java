package dev.skyfn.core.workflow;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import java.time.Duration;

/**
 * How far one JSONata evaluation may go: at most {@link #TIME} and {@link #DEPTH} nested
 * evaluations, and no further once its thread is interrupted (its execution cancelled). A
 * tenant's expression runs on the sandbox's CPU: one that never ends — {@code $f := function($n)
 * {$f($n + 1)}}, which JSONata runs as a loop, never deeper — would burn it with nothing to stop
 * it. The same checks as the library's own {@code Timebox}, with the interruption added and the
 * clock read once in {@value #CLOCK_EVERY} steps.
 */
final class EvaluationBounds {

    static final Duration TIME = Duration.ofSeconds(10);
    static final int DEPTH = 1000;
    private static final int CLOCK_EVERY = 256;

    private final Duration time;
    private final long deadline;
    private int depth;
    private int steps;

    private EvaluationBounds(Duration time) {
        this.time = time;
        this.deadline = System.nanoTime() + time.toNanos();
    }

    /** Bounds the evaluation {@code frame} is made for, from now. */
    static void apply(Jsonata.Frame frame) {
        apply(frame, TIME);
    }

    static void apply(Jsonata.Frame frame, Duration time) {
        var bounds = new EvaluationBounds(time);
        frame.setEvaluateEntryCallback((expr, input, environment) -> {
            if (!environment.isParallelCall) {
                bounds.depth++;
                bounds.check();
            }
        });
        frame.setEvaluateExitCallback((expr, input, environment, result) -> {
            if (!environment.isParallelCall) {
                bounds.depth--;
            }
        });
    }

    private void check() {
        if (depth > DEPTH) {
            throw new JException("it nests more than " + DEPTH + " evaluations deep", -1);
        }
        if (++steps % CLOCK_EVERY == 0) {
            if (Thread.currentThread().isInterrupted()) {
                throw new JException("it was stopped: its execution ended", -1);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new JException("it ran longer than " + time.toMillis() + " ms (an endless loop?)", -1);
            }
        }
    }
}
