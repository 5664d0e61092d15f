package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;

/** A workflow step that takes its time: sleeps, adds one, and counts its runs in the app's durable state. */
public class Slowly implements Handler<Slowly.Work, Slowly.Work> {

    public record Work(int n, int ms) {
    }

    @Override
    public Work handle(Work w, Context ctx) throws InterruptedException {
        Thread.sleep(w.ms());
        countRun(ctx);
        return new Work(w.n() + 1, w.ms());
    }

    /** Adds one to the runs of this step ("runs/<idempotency key>"), whatever else runs at once. */
    static void countRun(Context ctx) {
        Store global = ctx.state().global();
        String key = "runs/" + ctx.idempotencyKey();
        while (true) {
            byte[] old = global.get(key).orElse(null);
            int next = old == null ? 1 : Integer.parseInt(new String(old, StandardCharsets.UTF_8)) + 1;
            if (global.compareAndSet(key, old, Integer.toString(next).getBytes(StandardCharsets.UTF_8))) {
                return;
            }
        }
    }

    /** Reads a run count. */
    public static class Runs implements Handler<String, String> {
        @Override
        public String handle(String key, Context ctx) {
            return ctx.state().global().getString("runs/" + key).orElse("0");
        }
    }
}
