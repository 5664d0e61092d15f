package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.Map;

/** Functions run by triggers: each takes a CloudEvent as JSON. */
public final class Events {

    private Events() {
    }

    /** Keeps each event it gets in the global layer under {@code seen/<id>}: its type, subject, time, extensions and data. */
    public static class Record implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) {
            String text = String.valueOf(new java.util.TreeMap<>(event));
            ctx.state().global().putString("seen/" + event.get("id"), text);
            ctx.state().global().putString("last/" + ctx.function(), text);
            Stateful.Count.add(ctx, "count/" + ctx.function());
            return "ok";
        }
    }

    /** Fails every event. */
    public static class Fail implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) {
            throw new IllegalStateException("cannot take " + event.get("id"));
        }
    }

    /** Reads what {@link Record} and {@link Total} kept: "count/FUNCTION" gives how many events it took, "last/FUNCTION" the last one, "total/FUNCTION" the sum, any other text the event of that id. */
    public static class Seen implements Handler<String, String> {
        @Override
        public String handle(String what, Context ctx) {
            return ctx.state().global().getString(what.startsWith("count/") || what.startsWith("last/") || what.startsWith("total/") ? what : "seen/" + what).orElse("<none>");
        }
    }

    /** A stream function: the event's data, a number, doubled. */
    public static class Double implements Handler<Map<String, Object>, Integer> {
        @Override
        public Integer handle(Map<String, Object> event, Context ctx) {
            return ((Number) event.get("data")).intValue() * 2;
        }
    }

    /** A stream function held until the global key "open" is set: the event's data, a number, doubled. */
    public static class Gated implements Handler<Map<String, Object>, Integer> {
        @Override
        public Integer handle(Map<String, Object> event, Context ctx) throws InterruptedException {
            long until = System.nanoTime() + 30_000_000_000L;
            while (ctx.state().global().getString("open").isEmpty() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            return ((Number) event.get("data")).intValue() * 2;
        }
    }

    /** Adds each event's data, a number, to "total/FUNCTION", and counts the events in "count/FUNCTION". */
    public static class Total implements Handler<Map<String, Object>, Long> {
        @Override
        public Long handle(Map<String, Object> event, Context ctx) {
            long n = ((Number) event.get("data")).longValue();
            String key = "total/" + ctx.function();
            while (true) {
                String old = ctx.state().global().getString(key).orElse(null);
                long next = (old == null ? 0 : Long.parseLong(old)) + n;
                if (ctx.state().global().compareAndSet(key, old == null ? null : old.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        Long.toString(next).getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                    Stateful.Count.add(ctx, "count/" + ctx.function());
                    return next;
                }
            }
        }
    }

    /** Publishes {"from": "function"} to the subject it is given, keyed "k1"; returns the event's id. */
    public static class Publish implements Handler<String, String> {
        @Override
        public String handle(String subject, Context ctx) {
            return ctx.publish(subject, "k1", Map.of("from", "function"));
        }
    }

    /** Takes a state-change event: appends its new value (or "-" for a deletion) to "history/<key>", space-separated. */
    public static class Changes implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) {
            @SuppressWarnings("unchecked")
            Map<String, Object> data = (Map<String, Object>) event.get("data");
            ctx.state().global().putString("last/" + ctx.function(), String.valueOf(new java.util.TreeMap<>(event)));
            String key = "history/" + data.get("key");
            Object value = data.get("newValue") == null ? "-" : data.get("newValue");
            while (true) {
                String old = ctx.state().global().getString(key).orElse(null);
                String next = old == null ? value + "" : old + " " + value;
                if (ctx.state().global().compareAndSet(key, old == null ? null : old.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        next.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                    return next;
                }
            }
        }
    }

    /** Appends an event's data to "sequence/<partition key>", space-separated, after a pause that lets later events overtake it if they can. */
    public static class Sequence implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) throws InterruptedException {
            Thread.sleep(((Number) event.get("data")).intValue() % 3 * 5L);
            String key = "sequence/" + event.get("partitionkey");
            while (true) {
                String old = ctx.state().global().getString(key).orElse(null);
                String next = old == null ? String.valueOf(event.get("data")) : old + " " + event.get("data");
                if (ctx.state().global().compareAndSet(key, old == null ? null : old.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        next.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                    return next;
                }
            }
        }
    }
}
