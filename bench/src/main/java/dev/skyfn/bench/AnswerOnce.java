package dev.skyfn.bench;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Log;
import java.time.Duration;
import java.time.Instant;

/**
 * The limit for a cold start: a plain JVM that loads an app's handler from its jar, answers one
 * request and exits.
 *
 * <p>Usage: {@code java -cp app.jar:skyfn-api.jar:bench.jar dev.skyfn.bench.AnswerOnce <handler-class> <input>}
 */
public final class AnswerOnce {

    private AnswerOnce() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        var handler = (Handler<String, Object>) Class.forName(args[0]).getConstructor().newInstance();
        System.out.println(handler.handle(args[1], new Once()));
    }

    private static final class Once implements Context, Log {
        @Override
        public String invocationId() {
            return "once";
        }

        @Override
        public String app() {
            return "once";
        }

        @Override
        public String function() {
            return "once";
        }

        @Override
        public Instant deadline() {
            return Instant.now().plusSeconds(30);
        }

        @Override
        public Duration remainingTime() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Log log() {
            return this;
        }

        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void error(String message) {
        }

        @Override
        public void error(String message, Throwable error) {
        }
    }
}
