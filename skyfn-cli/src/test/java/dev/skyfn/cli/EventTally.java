package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Records, for each event a trigger hands it, the node that ran it — under "ran/<key>" of the
 * app's global state, the key being the event's time for a schedule's tick, else its id — and the
 * keys in the order seen under "keys", so that a test counts which events ran, and how often.
 */
public class EventTally implements Handler<Map<String, Object>, String> {

    @Override
    public String handle(Map<String, Object> event, Context ctx) throws Exception {
        String node = java.net.InetAddress.getLocalHost().getHostName();
        String key = String.valueOf(event.get("type")).endsWith("schedule.v1.tick") ? String.valueOf(event.get("time"))
                : String.valueOf(event.get("id"));
        Store global = ctx.state().global();
        append(global, "ran/" + key, node);
        addOnce(global, "keys", key);
        if (event.get("data") instanceof Map<?, ?> data && data.get("sleep") instanceof Number ms) {
            Thread.sleep(ms.longValue());
        }
        if ("poison".equals(event.get("data"))) {
            throw new IllegalArgumentException("poison");
        }
        return key;
    }

    static String append(Store global, String key, String item) {
        while (true) {
            byte[] old = global.get(key).orElse(null);
            String next = (old == null ? "" : new String(old, StandardCharsets.UTF_8) + " ") + item;
            if (global.compareAndSet(key, old, next.getBytes(StandardCharsets.UTF_8))) {
                return next;
            }
        }
    }

    /** Adds {@code item} to the space-separated list at {@code key} unless it is there (a run before a crash may have added it). */
    static void addOnce(Store global, String key, String item) {
        while (true) {
            byte[] old = global.get(key).orElse(null);
            String list = old == null ? "" : new String(old, StandardCharsets.UTF_8);
            if (java.util.Arrays.asList(list.split(" ")).contains(item)) {
                return;
            }
            String next = list.isEmpty() ? item : list + " " + item;
            if (global.compareAndSet(key, old, next.getBytes(StandardCharsets.UTF_8))) {
                return;
            }
        }
    }

    /** As the tally, once the key "allow" holds "yes": a test holds the calls running until it says so. */
    public static class Gated implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) throws Exception {
            StateWatch.Gated.awaitAllowed(ctx);
            return new EventTally().handle(event, ctx);
        }
    }

    /** "keys": the keys seen, in order, separated by spaces; any other text: the nodes that ran that key's event. */
    public static class Read implements Handler<String, String> {
        @Override
        public String handle(String what, Context ctx) {
            String key = what.trim().equals("keys") ? "keys" : "ran/" + what.trim();
            return ctx.state().global().get(key).map(v -> new String(v, StandardCharsets.UTF_8)).orElse("");
        }
    }
}
