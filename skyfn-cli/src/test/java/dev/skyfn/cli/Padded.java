package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

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
        Slowly.countRun(ctx);
        return new Work(w.n() + 1, w.ms(), w.pad());
    }
}
