package dev.skyfn.bench;

import dev.skyfn.api.Handler;

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
        System.out.println(handler.handle(args[1], new LocalContext()));
    }
}
