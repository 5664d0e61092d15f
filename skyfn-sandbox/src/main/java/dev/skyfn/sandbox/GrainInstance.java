package dev.skyfn.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.sandbox.guard.ExitAttempt;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** One event run by a grain worker, on its own virtual thread (SAND's grain instance). */
final class GrainInstance implements Runnable {

    static final Duration LEAK_GRACE = Duration.ofMillis(100);

    private final SandboxRuntime sandbox;
    private final LoadedApp app;
    private final GrainWorker worker;
    private final Message.Invoke invoke;

    GrainInstance(SandboxRuntime sandbox, LoadedApp app, GrainWorker worker, Message.Invoke invoke) {
        this.sandbox = sandbox;
        this.app = app;
        this.worker = worker;
        this.invoke = invoke;
    }

    @Override
    public void run() {
        var marker = new ThreadWatch.Marker(app.loader());
        Thread.currentThread().setContextClassLoader(marker);
        OutputCapture.enter(invoke.invocationId(), worker.function());
        var ctx = new InvocationContext(invoke.invocationId(), app.name(), worker.function(), invoke.timeoutMillis(), sandbox.shipper());
        Message reply;
        try {
            Payload result = worker.run(invoke.payload(), ctx);
            reply = leakCheck(marker, new Message.Result(invoke.id(), result));
        } catch (Throwable t) {
            reply = failure(t, ctx);
            if (!(t instanceof OutOfMemoryError)) {
                reply = leakCheck(marker, reply);
            }
        } finally {
            sandbox.capture().leave();
        }
        sandbox.finished(invoke.id(), reply);
    }

    private Message leakCheck(ThreadWatch.Marker marker, Message reply) {
        List<Thread> leaked;
        try {
            leaked = ThreadWatch.leftRunning(marker, LEAK_GRACE);
        } catch (InterruptedException e) {
            return sandbox.wasCancelled(invoke.id()) ? timeout() : reply;
        }
        if (leaked.isEmpty()) {
            return reply;
        }
        String names = leaked.stream().map(Thread::getName).collect(Collectors.joining(", "));
        String why = "the function returned but left " + leaked.size() + " thread" + (leaked.size() == 1 ? "" : "s")
                + " running (" + names + "); start long-lived threads in the handler's constructor,"
                + " or stop them before returning";
        sandbox.retire(ErrorCode.THREAD_LEAK, "invocation " + invoke.invocationId() + " leaked threads: " + names);
        return reply instanceof Message.Failure ? reply : fail(ErrorCode.THREAD_LEAK, why, "");
    }

    private Message failure(Throwable t, InvocationContext ctx) {
        if (sandbox.wasCancelled(invoke.id())) {
            return timeout();
        }
        return switch (t) {
            case SkyfnException e -> fail(e.code(), e.getMessage(), "");
            case ExitAttempt e -> {
                sandbox.retire(ErrorCode.FUNCTION_EXITED, "invocation " + invoke.invocationId() + ": " + e.getMessage());
                yield fail(ErrorCode.FUNCTION_EXITED, e.getMessage() + "; functions must return instead of ending the process", "");
            }
            case OutOfMemoryError e -> {
                sandbox.retire(ErrorCode.FUNCTION_OUT_OF_MEMORY, "invocation " + invoke.invocationId() + ": " + e.getMessage());
                yield fail(ErrorCode.FUNCTION_OUT_OF_MEMORY, "the app's sandbox ran out of memory (" + e.getMessage()
                        + ") with a heap of " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; raise 'memory' in skyfn.yaml"
                        + " or use less", e.getClass().getName());
            }
            default -> {
                ctx.error("invocation failed", t);
                yield fail(ErrorCode.FUNCTION_ERROR, t.getMessage() == null ? t.getClass().getName() : t.getMessage(),
                        t.getClass().getName());
            }
        };
    }

    private Message timeout() {
        return fail(ErrorCode.FUNCTION_TIMEOUT, "cancelled at its timeout", "");
    }

    private Message.Failure fail(ErrorCode code, String message, String type) {
        return new Message.Failure(invoke.id(), code.name(), message, type);
    }
}
