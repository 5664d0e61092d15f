package dev.skyfn.examples.etl;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.util.Map;

/**
 * Takes the orders {@link Clean} rejected — each comes with the error in its {@code errorcode} and
 * {@code errormessage} extensions — counting them and keeping the last one's error under
 * {@code "rejects"} and {@code "rejects/last"}.
 */
public class Rejects implements Handler<Map<String, Object>, Long> {

    @Override
    public Long handle(Map<String, Object> event, Context ctx) {
        var state = ctx.state().global();
        state.putString("rejects/last", event.get("errorcode") + ": " + event.get("errormessage"));
        while (true) {
            byte[] old = state.get("rejects").orElse(null);
            long next = old == null ? 1 : Long.parseLong(new String(old, java.nio.charset.StandardCharsets.UTF_8)) + 1;
            if (state.compareAndSet("rejects", old, Long.toString(next).getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                return next;
            }
        }
    }
}
