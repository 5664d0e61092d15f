package dev.skyfn.cli;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.api.Store;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Takes batches of events whose data is a number, and keeps under "seen" the numbers in the order
 * run; a batch that starts while another of the app's batches runs (anywhere in the fleet) adds
 * "overlap" to "seen". Each batch runs 100 ms.
 */
public class OrderedBatches implements Handler<List<Map<String, Object>>, String> {

    @Override
    public String handle(List<Map<String, Object>> batch, Context ctx) throws Exception {
        Store global = ctx.state().global();
        byte[] mine = ctx.invocationId().getBytes(StandardCharsets.UTF_8);
        if (!global.compareAndSet("running", null, mine)) {
            EventTally.append(global, "seen", "overlap");
        }
        try {
            Thread.sleep(100);
            for (Map<String, Object> event : batch) {
                EventTally.append(global, "seen", String.valueOf(event.get("data")));
            }
            return "ok";
        } finally {
            global.compareAndSet("running", mine, null);
        }
    }
}
