package dev.skyfn.examples.sketches;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.List;
import java.util.Map;

/**
 * Takes a batch of click events — CloudEvents whose data is {@code {"user", "page", "loadMs"}} —
 * into the sketches: a batch costs one read and one write of the state whatever its size.
 * Returns how many clicks the sketches hold.
 */
public class Observe implements Handler<List<Map<String, Object>>, Long> {

    @Override
    public Long handle(List<Map<String, Object>> events, Context ctx) {
        Sketches after = Sketches.update(ctx.state().global(), s -> {
            for (Map<String, Object> event : events) {
                if (event.get("data") instanceof Map<?, ?> click) {
                    s.views().add(String.valueOf(click.get("page")), 1);
                    s.users().update(String.valueOf(click.get("user")));
                    if (click.get("loadMs") instanceof Number ms) {
                        s.loadTimes().update(ms.doubleValue());
                    }
                }
            }
            return s;
        });
        return after.views().total();
    }
}
