package dev.skyfn.sandbox;

import dev.skyfn.api.Context;
import dev.skyfn.api.FunctionCallException;
import dev.skyfn.api.Log;
import dev.skyfn.api.Namespace;
import dev.skyfn.api.State;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.LogLine;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@link Context} of one grain instance. */
final class InvocationContext implements Context, Log {

    /** How deep calls may nest: a function calling itself without end stops here. */
    static final int MAX_CALL_DEPTH = 32;

    private final String invocationId;
    private final String traceparent;
    private final String app;
    private final String function;
    private final long deadlineNanos;
    private final Services services;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile boolean logged;

    InvocationContext(String invocationId, String traceparent, String app, String function, long timeoutMillis, Services services) {
        this.invocationId = invocationId;
        this.traceparent = traceparent;
        this.app = app;
        this.function = function;
        this.deadlineNanos = System.nanoTime() + Duration.ofMillis(timeoutMillis).toNanos();
        this.services = services;
    }

    @Override
    public Namespace ephemeral(String path) {
        if (services.data() == null) {
            throw new UnsupportedOperationException("this context has no ephemeral state");
        }
        return SandboxNamespace.open(services.data(), path);
    }

    @Override
    public String publish(String subject, String partitionKey, Object value) {
        if (services.data() == null || services.codec() == null) {
            throw new UnsupportedOperationException("this context cannot publish events");
        }
        Payload.Body body;
        try {
            body = switch (services.codec().encode(value, Codec.Sent.EVENT)) {
                case Payload.Body b -> b;
                case Payload.Empty e -> new Payload.Body("", new byte[0]);
                default -> throw new IllegalArgumentException("an event's data is bytes, text or a value for JSON, not an HTTP response");
            };
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (dev.skyfn.core.SkyfnException tooLarge) {
            // refused here rather than by the node, and said as the node says it
            throw new dev.skyfn.api.DataException(tooLarge.code().name(), tooLarge.getMessage());
        }
        Payload id = services.data().send(dev.skyfn.core.wire.DataOp.PUBLISH, subject == null ? "" : subject,
                partitionKey == null ? "" : partitionKey, body.bytes(), body.contentType().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 0);
        return new String(DataClient.bytes(id), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public State state() {
        if (services.state() == null) {
            throw new UnsupportedOperationException("this context has no state");
        }
        return services.state();
    }

    @Override
    public String invocationId() {
        return invocationId;
    }

    @Override
    public String traceparent() {
        return traceparent;
    }

    @Override
    public String app() {
        return app;
    }

    @Override
    public String function() {
        return function;
    }

    @Override
    public Instant deadline() {
        return Instant.now().plus(remainingTime());
    }

    @Override
    public Duration remainingTime() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    @Override
    public Log log() {
        return this;
    }

    @Override
    public <O> O invoke(String target, Object input, Class<O> resultType) {
        try {
            return invokeAsync(target, input, resultType).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof FunctionCallException f ? f
                    : new FunctionCallException(ErrorCode.INTERNAL.name(), "the call failed: " + e.getCause(), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FunctionCallException(ErrorCode.FUNCTION_TIMEOUT.name(),
                    "interrupted while waiting for " + target + ": this invocation is being cancelled", "");
        }
    }

    @Override
    public <O> CompletableFuture<O> invokeAsync(String target, Object input, Class<O> resultType) {
        String child = invocationId + "." + calls.incrementAndGet();
        if (depth(child) > MAX_CALL_DEPTH) {
            return CompletableFuture.failedFuture(new FunctionCallException(ErrorCode.CALL_DEPTH_EXCEEDED.name(),
                    "calls nest more than " + MAX_CALL_DEPTH + " deep (does a function call itself without end?)", ""));
        }
        long left = remainingTime().toMillis();
        if (left <= 0) {
            return CompletableFuture.failedFuture(new FunctionCallException(ErrorCode.FUNCTION_TIMEOUT.name(),
                    "no time left to call " + target, ""));
        }
        return services.caller().call(target, input, child, left, traceparent).thenApply(result -> {
            try {
                return services.codec().convert(result, resultType);
            } catch (SkyfnException e) {
                throw new FunctionCallException(e.code().name(), "the result of " + target + " " + e.getMessage(), "");
            }
        });
    }

    @Override
    public void debug(String message) {
        write(LogLine.Kind.DEBUG, message);
    }

    @Override
    public void info(String message) {
        write(LogLine.Kind.INFO, message);
    }

    @Override
    public void warn(String message) {
        write(LogLine.Kind.WARN, message);
    }

    @Override
    public void error(String message) {
        write(LogLine.Kind.ERROR, message);
    }

    @Override
    public void error(String message, Throwable error) {
        write(LogLine.Kind.ERROR, message + "\n" + Thrown.stackTrace(error));
    }

    private static int depth(String invocationId) {
        int dots = 0;
        for (int i = 0; i < invocationId.length(); i++) {
            if (invocationId.charAt(i) == '.') {
                dots++;
            }
        }
        return dots;
    }

    /** Whether this invocation wrote to its log, so its lines must be shipped before its result. */
    boolean logged() {
        return logged;
    }

    private void write(LogLine.Kind kind, String message) {
        logged = true;
        services.log().add(invocationId, function, kind, String.valueOf(message));
    }

}
