package dev.skyfn.sandbox;

import dev.skyfn.api.DataException;
import dev.skyfn.api.FunctionCallException;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Spent;
import dev.skyfn.sandbox.guard.ExitAttempt;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One event run by a grain worker, on its own virtual thread (SAND's grain instance): an
 * invocation from the node, or a call from another function of the app. Sets up the invocation's
 * context, runs the work, checks for leaked threads, and maps whatever went wrong to a stable code.
 */
final class GrainInstance implements Runnable {

    static final Duration LEAK_GRACE = Duration.ofMillis(100);
    /** Names of leaked threads an error lists at most. */
    static final int NAMES_SHOWN = 10;

    /** What the grain does with its context: decode, call the handler, encode — or call with objects. */
    @FunctionalInterface
    interface Work {
        Object run(InvocationContext ctx) throws Exception;
    }

    /** How a grain instance ended, and what it spent in the sandbox ({@link Spent#UNKNOWN} until measured). */
    sealed interface Ending {
        Spent spent();

        /** This ending, having spent {@code spent}. */
        Ending spending(Spent spent);

        record Returned(Object value, Spent spent) implements Ending {
            Returned(Object value) {
                this(value, Spent.UNKNOWN);
            }

            @Override
            public Ending spending(Spent spent) {
                return new Returned(value, spent);
            }
        }

        record Failed(String code, String message, String type, Spent spent) implements Ending {
            Failed(String code, String message, String type) {
                this(code, message, type, Spent.UNKNOWN);
            }

            @Override
            public Ending spending(Spent spent) {
                return new Failed(code, message, type, spent);
            }
        }
    }

    private final SandboxRuntime sandbox;
    private final LoadedApp app;
    private final String function;
    private final String invocationId;
    private final String traceparent;
    private final long timeoutMillis;
    private final Work work;
    private final BooleanSupplier cancelled;
    private final Consumer<Ending> done;
    private final CallCpu cpu = CallCpu.forCall();

    GrainInstance(SandboxRuntime sandbox, LoadedApp app, String function, String invocationId, String traceparent, long timeoutMillis,
                  Work work, BooleanSupplier cancelled, Consumer<Ending> done) {
        this.sandbox = sandbox;
        this.traceparent = traceparent;
        this.app = app;
        this.function = function;
        this.invocationId = invocationId;
        this.timeoutMillis = timeoutMillis;
        this.work = work;
        this.cancelled = cancelled;
        this.done = done;
    }

    /** The grain's own virtual thread, not started: its CPU time is measured where the sandbox can. */
    Thread thread() {
        return CallCpu.unstarted(cpu, this);
    }

    @Override
    public void run() {
        var marker = app.loader().markers.take();
        long threadsBefore = ThreadWatch.started();
        Thread.currentThread().setContextClassLoader(marker);
        OutputCapture.Tag tag = OutputCapture.enter(app.slot(), invocationId, function);
        var ctx = new InvocationContext(invocationId, traceparent, app.name(), function, timeoutMillis, app.services());
        var counter = app.loader().countsWork() ? WorkCounter.begin() : null;
        Ending ending;
        try {
            ending = leakCheck(marker, threadsBefore, new Ending.Returned(work.run(ctx)));
        } catch (Throwable t) {
            ending = described(t, ctx);
            if (!(t instanceof OutOfMemoryError)) {
                ending = leakCheck(marker, threadsBefore, ending);
            }
        } finally {
            sandbox.capture().leave();
        }
        // no thread made from here on is the call's: the marker may serve the next call
        Thread.currentThread().setContextClassLoader(app.loader());
        app.loader().markers.giveBack(marker, threadsBefore);
        long blocks = counter == null ? -1 : WorkCounter.end(counter);
        ending = ending.spending(new Spent(cpu == null ? -1 : cpu.read(), blocks));
        if (ctx.logged() || tag.wrote()) {
            sandbox.shipper().flush();
        }
        done.accept(ending);
    }

    private Ending leakCheck(ThreadWatch.Marker marker, long threadsBefore, Ending ending) {
        List<Thread> leaked;
        try {
            leaked = ThreadWatch.leftRunning(marker, LEAK_GRACE, threadsBefore);
        } catch (InterruptedException e) {
            return cancelled.getAsBoolean() ? timeout() : ending;
        }
        if (leaked.isEmpty()) {
            return ending;
        }
        String names = leaked.stream().limit(NAMES_SHOWN).map(Thread::getName).collect(Collectors.joining(", "))
                + (leaked.size() > NAMES_SHOWN ? " and " + (leaked.size() - NAMES_SHOWN) + " more" : "");
        String why = "the function returned but left " + leaked.size() + " thread" + (leaked.size() == 1 ? "" : "s")
                + " running (" + names + "); start long-lived threads in the handler's constructor,"
                + " or stop them before returning";
        sandbox.retire(ErrorCode.THREAD_LEAK, "invocation " + invocationId + " leaked threads: " + names);
        return ending instanceof Ending.Failed ? ending : fail(ErrorCode.THREAD_LEAK, why, "");
    }

    /** The call's failure as {@link #failure} says it; what can be said of {@code t} when its own methods throw even there. */
    private Ending described(Throwable t, InvocationContext ctx) {
        try {
            return failure(t, ctx);
        } catch (Throwable broken) {
            return fail(ErrorCode.FUNCTION_ERROR, t.getClass().getName() + " (it could not be described: " + broken.getClass().getName() + ")",
                    t.getClass().getName());
        }
    }

    /** Codes by which the node refuses what a function asked of its data or events: the function's fault, not its caller's. */
    static final java.util.Set<String> REFUSED_ASKING = java.util.Set.of(ErrorCode.BAD_REQUEST.name(), ErrorCode.INVALID_INPUT.name(),
            ErrorCode.PAYLOAD_TOO_LARGE.name());

    /**
     * A data operation's failure the function did not catch. One refused for what the function
     * asked (a key or subject that is none, a value too large) fails the call as
     * {@code FUNCTION_ERROR}, the refusal's code in its message: passed on, it would tell the
     * caller that its own request was bad. Any other (UNAVAILABLE, QUOTA_EXCEEDED, …) keeps its code.
     */
    private static Ending refused(DataException e) {
        if (REFUSED_ASKING.contains(e.code())) {
            return new Ending.Failed(ErrorCode.FUNCTION_ERROR.name(), "the function's data operation was refused, " + e.code() + ": "
                    + Thrown.message(e), DataException.class.getName());
        }
        return new Ending.Failed(e.code(), Thrown.message(e), "");
    }

    private Ending failure(Throwable t, InvocationContext ctx) {
        if (cancelled.getAsBoolean()) {
            return timeout();
        }
        return switch (t) {
            case SkyfnException e -> fail(e.code(), e.getMessage(), "");
            case FunctionCallException e -> new Ending.Failed(e.code(), Thrown.message(e), e.type());
            case DataException e -> refused(e);
            case ExitAttempt e -> {
                sandbox.retire(ErrorCode.FUNCTION_EXITED, "invocation " + invocationId + ": " + e.getMessage());
                yield fail(ErrorCode.FUNCTION_EXITED, e.getMessage() + "; functions must return instead of ending the process", "");
            }
            case OutOfMemoryError e -> {
                sandbox.retire(ErrorCode.FUNCTION_OUT_OF_MEMORY, "invocation " + invocationId + ": " + e.getMessage());
                yield fail(ErrorCode.FUNCTION_OUT_OF_MEMORY, "the app's sandbox ran out of memory (" + e.getMessage()
                        + ") with a heap of " + HeapLimit.heapMb() + " MiB; raise 'memory' in skyfn.yaml"
                        + " or use less", e.getClass().getName());
            }
            default -> {
                ctx.error("invocation failed", t);
                yield fail(ErrorCode.FUNCTION_ERROR, Thrown.message(t), t.getClass().getName());
            }
        };
    }

    private static Ending timeout() {
        return fail(ErrorCode.FUNCTION_TIMEOUT, "cancelled at its timeout", "");
    }

    private static Ending.Failed fail(ErrorCode code, String message, String type) {
        return new Ending.Failed(code.name(), message, type);
    }
}
