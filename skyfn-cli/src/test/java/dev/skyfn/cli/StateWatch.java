package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An app whose state trigger keeps, under "seen/<key>", the new values of the changes it is told
 * of, in the order told, separated by spaces; {@link Put} writes a key ("key=value"), {@link Read}
 * reads one.
 */
public class StateWatch implements Handler<Map<String, Object>, String> {

    @Override
    public String handle(Map<String, Object> event, Context ctx) {
        Map<?, ?> data = (Map<?, ?>) event.get("data");
        return EventTally.append(ctx.state().global(), "seen/" + data.get("key"), String.valueOf(data.get("newValue")));
    }

    /** As the watch, once the key "allow" holds "yes": a test holds the call running until it says so. */
    public static class Gated implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) throws InterruptedException {
            awaitAllowed(ctx);
            return new StateWatch().handle(event, ctx);
        }

        /** Returns once the app's key "allow" holds "yes". */
        static void awaitAllowed(Context ctx) throws InterruptedException {
            while (!"yes".equals(ctx.state().global().getString("allow").orElse(""))) {
                Thread.sleep(10);
            }
        }
    }

    public static class Put implements Handler<String, String> {
        @Override
        public String handle(String keyAndValue, Context ctx) {
            String[] kv = keyAndValue.trim().split("=", 2);
            ctx.state().global().put(kv[0], kv[1].getBytes(StandardCharsets.UTF_8));
            return "ok";
        }
    }

    public static class Read implements Handler<String, String> {
        @Override
        public String handle(String key, Context ctx) {
            return ctx.state().global().get(key.trim()).map(v -> new String(v, StandardCharsets.UTF_8)).orElse("");
        }
    }
}
