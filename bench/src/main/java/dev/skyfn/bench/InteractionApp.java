package dev.skyfn.bench;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/**
 * The app the interaction benchmark deploys: a no-op function, and a function that calls a no-op
 * many times one way or another, timing each call from inside the sandbox.
 */
public final class InteractionApp {

    private InteractionApp() {
    }

    /** How to call, how often; {@code url} is the node's, for calls over HTTP. */
    public record Loop(String mode, int calls, String url) {
    }

    /** Round trips of one call, in microseconds. */
    public record Timings(double p50, double p99, double mean) {
    }

    public static class Noop implements Handler<Integer, Integer> {
        @Override
        public Integer handle(Integer n, Context ctx) {
            return n;
        }
    }

    public static class Caller implements Handler<Loop, Timings> {
        private final HttpClient http = HttpClient.newHttpClient();

        @Override
        public Timings handle(Loop loop, Context ctx) throws Exception {
            long[] nanos = new long[loop.calls()];
            var noop = new Noop();
            for (int i = 0; i < loop.calls(); i++) {
                long start = System.nanoTime();
                int answer = switch (loop.mode()) {
                    case "direct" -> noop.handle(i, ctx);
                    case "virtual-thread" -> handOff(noop, i, ctx);
                    case "same-sandbox" -> ctx.invoke("noop", i, Integer.class);
                    case "other-sandbox" -> ctx.invoke("peer/noop", i, Integer.class);
                    case "http" -> overHttp(loop.url(), i);
                    default -> throw new IllegalArgumentException(loop.mode());
                };
                nanos[i] = System.nanoTime() - start;
                if (answer != i) {
                    throw new IllegalStateException("wrong answer " + answer + " for " + i);
                }
            }
            Arrays.sort(nanos);
            return new Timings(nanos[nanos.length / 2] / 1e3, nanos[(int) (nanos.length * 0.99)] / 1e3,
                    Arrays.stream(nanos).average().orElse(0) / 1e3);
        }

        private static int handOff(Noop noop, int i, Context ctx) throws InterruptedException {
            int[] box = new int[1];
            Thread.ofVirtual().start(() -> box[0] = noop.handle(i, ctx)).join();
            return box[0];
        }

        /** How a platform without a local shortcut chains functions: through its HTTP gateway. */
        private int overHttp(String url, int i) throws Exception {
            var req = HttpRequest.newBuilder(URI.create(url + "/v1/apps/peer/functions/noop:invoke"))
                    .POST(HttpRequest.BodyPublishers.ofString(Integer.toString(i))).header("Content-Type", "application/json").build();
            return Integer.parseInt(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
        }
    }
}
