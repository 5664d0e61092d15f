package dev.skyfn.sandbox;

import dev.skyfn.api.Context;
import dev.skyfn.api.Log;
import dev.skyfn.core.wire.LogLine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;

/** The {@link Context} of one grain instance. */
final class InvocationContext implements Context, Log {

    private final String invocationId;
    private final String app;
    private final String function;
    private final long deadlineNanos;
    private final LogSink sink;

    InvocationContext(String invocationId, String app, String function, long timeoutMillis, LogSink sink) {
        this.invocationId = invocationId;
        this.app = app;
        this.function = function;
        this.deadlineNanos = System.nanoTime() + Duration.ofMillis(timeoutMillis).toNanos();
        this.sink = sink;
    }

    @Override
    public String invocationId() {
        return invocationId;
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
        write(LogLine.Kind.ERROR, message + "\n" + stackTrace(error));
    }

    private void write(LogLine.Kind kind, String message) {
        sink.add(invocationId, function, kind, String.valueOf(message));
    }

    static String stackTrace(Throwable error) {
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        return trace.toString().stripTrailing();
    }
}
