package dev.skyfn.examples.hello;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;

/** Sleeps for the given number of milliseconds: an invocation that waits, as most real ones do on I/O. */
public class Sleep implements Handler<Long, String> {

    @Override
    public String handle(Long millis, Context ctx) throws InterruptedException {
        Thread.sleep(millis == null ? 0 : Math.min(millis, ctx.remainingTime().toMillis()));
        return "slept " + millis + " ms";
    }
}
