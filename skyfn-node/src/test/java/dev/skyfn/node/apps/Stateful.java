package dev.skyfn.node.apps;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Functions that keep state. */
public final class Stateful {

    private Stateful() {
    }

    /** Adds one to a counter in the global layer, safely under concurrency, and returns it. */
    public static class Count implements Handler<String, Long> {
        @Override
        public Long handle(String counter, Context ctx) {
            return add(ctx, counter);
        }

        static long add(Context ctx, String counter) {
            Store global = ctx.state().global();
            while (true) {
                byte[] old = global.get(counter).orElse(null);
                long next = old == null ? 1 : Long.parseLong(new String(old, StandardCharsets.UTF_8)) + 1;
                if (global.compareAndSet(counter, old, Long.toString(next).getBytes(StandardCharsets.UTF_8))) {
                    return next;
                }
            }
        }
    }

    /** "layer key=value" writes, "layer key" reads, in the local or global layer. */
    public static class Keys implements Handler<String, String> {
        @Override
        public String handle(String command, Context ctx) {
            String[] parts = command.split(" ", 2);
            Store store = parts[0].equals("local") ? ctx.state().local() : ctx.state().global();
            String[] kv = parts[1].split("=", 2);
            if (kv.length == 2) {
                store.putString(kv[0], kv[1]);
                return "ok";
            }
            return store.getString(kv[0]).orElse("<none>");
        }
    }

    /** "ms key=value": waits ms milliseconds, then writes the global key. */
    public static class SlowWrite implements Handler<String, String> {
        @Override
        public String handle(String command, Context ctx) throws InterruptedException {
            String[] parts = command.split(" ", 2);
            Thread.sleep(Long.parseLong(parts[0]));
            String[] kv = parts[1].split("=", 2);
            ctx.state().global().putString(kv[0], kv[1]);
            return "ok";
        }
    }

    /** Stores the given number of mebibytes and reads them back. */
    public static class Big implements Handler<Integer, String> {
        @Override
        public String handle(Integer megabytes, Context ctx) {
            byte[] value = new byte[megabytes << 20];
            Arrays.fill(value, (byte) 7);
            value[value.length - 1] = 9;
            ctx.state().global().put("big", value);
            byte[] back = ctx.state().global().get("big").orElseThrow();
            return back.length + " bytes, last " + back[back.length - 1];
        }
    }
}
