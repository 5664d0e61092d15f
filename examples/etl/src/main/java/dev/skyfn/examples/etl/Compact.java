package dev.skyfn.examples.etl;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.time.Instant;
import java.util.Map;

/**
 * At each tick of its schedule (a CloudEvent whose {@code time} is the tick), folds every minute
 * that ended before the tick into its day's totals ({@code day/2026-12-01}) and drops it. A minute
 * is added to its day before it is dropped: run twice for a tick, it adds nothing twice, since
 * the second run finds the minute gone. Returns the minutes it folded.
 */
public class Compact implements Handler<Map<String, Object>, Integer> {

    @Override
    public Integer handle(Map<String, Object> tick, Context ctx) {
        String now = Instant.parse(String.valueOf(tick.get("time"))).toString().substring(0, 16);
        var state = ctx.state().global();
        int folded = 0;
        for (String minute : Minutes.read(state)) {
            if (minute.compareTo(now) >= 0) {
                continue; // not over yet
            }
            String key = "minute/" + minute;
            var totals = state.getString(key).map(Totals::parse);
            if (totals.isPresent() && state.compareAndSet(key, totals.get().format().getBytes(java.nio.charset.StandardCharsets.UTF_8), null)) {
                Totals.update(state, "day/" + minute.substring(0, 10), day -> day.plus(totals.get()));
                folded++;
            }
            if (state.get(key).isEmpty()) {
                Minutes.update(state, minutes -> minutes.remove(minute));
            }
        }
        ctx.log().info("compacted " + folded + " minute(s) before " + now);
        return folded;
    }
}
