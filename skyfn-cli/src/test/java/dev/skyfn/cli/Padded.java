package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;

/**
 * A workflow step whose value is too large to travel inline (it is kept in a blob): sleeps, adds
 * one, and counts its runs in the app's global state.
 */
public class Padded implements Handler<Padded.Work, Padded.Work> {

    public record Work(int n, int ms, String pad) {
    }

    @Override
    public Work handle(Work w, Context ctx) throws InterruptedException {
        Thread.sleep(w.ms());
        Store global = ctx.state().global();
        String key = "runs/" + ctx.idempotencyKey();
        while (true) {
            byte[] old = global.get(key).orElse(null);
            int next = old == null ? 1 : Integer.parseInt(new String(old, StandardCharsets.UTF_8)) + 1;
            if (global.compareAndSet(key, old, Integer.toString(next).getBytes(StandardCharsets.UTF_8))) {
                return new Work(w.n() + 1, w.ms(), w.pad());
            }
        }
    }
}
