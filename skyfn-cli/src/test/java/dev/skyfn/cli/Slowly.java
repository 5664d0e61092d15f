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

    /**
     * A workflow step that waits until the test lets it through ("allow/<idempotency key>" in the
     * app's durable state), then adds one and counts its run: a test decides exactly which steps
     * settle before it kills a node, whatever the machine's speed.
     */
    public static class Gated implements Handler<Work, Work> {
        @Override
        public Work handle(Work w, Context ctx) throws InterruptedException {
            while (ctx.state().global().get("allow/" + ctx.idempotencyKey()).isEmpty()) {
                Thread.sleep(10);
            }
            countRun(ctx);
            return new Work(w.n() + 1, w.ms());
        }
    }

    /** Lets the step of an idempotency key through. */
    public static class Allow implements Handler<String, String> {
        @Override
        public String handle(String key, Context ctx) {
            ctx.state().global().putString("allow/" + key, "yes");
            return key;
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
