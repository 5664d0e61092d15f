package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.FunctionCallException;
import dev.skyfn.api.Handler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Functions that call other functions. */
public final class Callers {

    private Callers() {
    }

    public record Point(int x, int y) {
    }

    /** Doubles a number; logs so that the call chain shows in the logs. */
    public static class Double implements Handler<Integer, Integer> {
        @Override
        public Integer handle(Integer n, Context ctx) {
            ctx.log().info("doubling " + n + " for " + ctx.invocationId());
            return n * 2;
        }
    }

    /** Calls double twice at once and adds the results. */
    public static class SumOfDoubles implements Handler<List<Integer>, Integer> {
        @Override
        public Integer handle(List<Integer> numbers, Context ctx) {
            CompletableFuture<Integer> a = ctx.invokeAsync("double", numbers.get(0), Integer.class);
            CompletableFuture<Integer> b = ctx.invokeAsync("double", numbers.get(1), Integer.class);
            return a.join() + b.join();
        }
    }

    /** Hands a map to a function that takes a record: converted on the way. */
    public static class Converts implements Handler<String, String> {
        @Override
        public String handle(String ignored, Context ctx) {
            Point p = ctx.invoke("mirror", Map.of("x", 1, "y", 2), Point.class);
            return p.x() + "," + p.y();
        }
    }

    public static class Mirror implements Handler<Point, Point> {
        @Override
        public Point handle(Point p, Context ctx) {
            return new Point(p.y(), p.x());
        }
    }

    /** Calls what the input names ("target" or "target=input"), and says how the call ended. */
    public static class Relay implements Handler<String, String> {
        @Override
        public String handle(String request, Context ctx) {
            String[] parts = request.split("=", 2);
            String target = parts[0];
            String input = parts.length > 1 ? parts[1] : "payload";
            try {
                return "ok: " + ctx.invoke(target, input, String.class);
            } catch (FunctionCallException e) {
                return "failed: " + e.code() + " (" + e.type() + ") " + e.getMessage();
            }
        }
    }

    /**
     * Makes "N:target[=input]" N calls one after another, as {@link Relay} makes one, and answers how
     * they ended, one line each.
     */
    public static class Repeats implements Handler<String, String> {
        @Override
        public String handle(String request, Context ctx) {
            String[] parts = request.split(":", 2);
            int n = Integer.parseInt(parts[0]);
            Relay relay = new Relay();
            StringBuilder answers = new StringBuilder();
            for (int i = 0; i < n; i++) {
                answers.append(relay.handle(parts[1], ctx)).append('\n');
            }
            return answers.toString();
        }
    }

        /** Says in its log that it lingers, then sleeps as many milliseconds as it was given. */
    public static class Lingers implements Handler<Long, String> {
        @Override
        public String handle(Long millis, Context ctx) throws InterruptedException {
            ctx.log().info("lingering " + millis + " ms");
            Thread.sleep(millis);
            return "slept " + millis;
        }
    }

        /** Lets the callee's failure escape. */
    public static class Careless implements Handler<String, String> {
        @Override
        public String handle(String target, Context ctx) {
            return ctx.invoke(target, "payload", String.class);
        }
    }

    /** Calls itself without end. */
    public static class Recurses implements Handler<Integer, Integer> {
        @Override
        public Integer handle(Integer depth, Context ctx) {
            return ctx.invoke("recurses", depth + 1, Integer.class);
        }
    }

    public static class Echo implements Handler<String, String> {
        @Override
        public String handle(String s, Context ctx) {
            return ctx.app() + "/" + ctx.function() + " got " + s + " as " + ctx.invocationId();
        }
    }
}
