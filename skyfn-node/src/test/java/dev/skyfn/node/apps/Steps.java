package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Functions for workflow steps. */
public final class Steps {

    private Steps() {
    }

    public record Counter(int n) {
    }

    /** Adds one, and counts its runs per step in the global state ("runs/<idempotency key>"). */
    public static class Inc implements Handler<Counter, Counter> {
        @Override
        public Counter handle(Counter c, Context ctx) {
            Stateful.Count.add(ctx, "runs/" + ctx.idempotencyKey());
            return new Counter(c.n() + 1);
        }
    }

    /** Fails twice for each step it runs in, then adds one. */
    public static class Flaky implements Handler<Counter, Counter> {
        private static final Map<String, AtomicInteger> TRIES = new ConcurrentHashMap<>();

        @Override
        public Counter handle(Counter c, Context ctx) {
            if (TRIES.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet() <= 2) {
                throw new IllegalStateException("not yet");
            }
            return new Counter(c.n() + 1);
        }
    }

    public static class Refuses implements Handler<Counter, Counter> {
        @Override
        public Counter handle(Counter c, Context ctx) {
            throw new IllegalArgumentException("no orders of " + c.n());
        }
    }

    /** Brings its sandbox down, the first time only for each step it runs in. */
    public static class CrashesOnce implements Handler<Counter, Counter> {
        @Override
        public Counter handle(Counter c, Context ctx) throws Exception {
            if (ctx.state().global().compareAndSet("crashed/" + ctx.idempotencyKey(), null, new byte[]{1})) {
                // the way past skyfn's guard against System.exit: the process really dies
                Runtime.class.getMethod("halt", int.class).invoke(Runtime.getRuntime(), 3);
            }
            return new Counter(c.n() + 1);
        }
    }

    /** A string of the given number of mebibytes. */
    public static class Make implements Handler<Integer, String> {
        @Override
        public String handle(Integer megabytes, Context ctx) {
            return "x".repeat(megabytes << 20);
        }
    }

    public static class Upper implements Handler<String, String> {
        @Override
        public String handle(String s, Context ctx) {
            return s.toUpperCase();
        }
    }

    /** How long the string is and what it is made of. */
    public static class Describe implements Handler<String, String> {
        @Override
        public String handle(String s, Context ctx) {
            return s.length() + " chars of " + s.chars().distinct().mapToObj(Character::toString).reduce("", String::concat);
        }
    }
}
