package dev.skyfn.examples.etl;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds a batch of clean orders to the totals of the minutes they were placed in ({@code
 * minute/2026-12-01T13:05}), one compare-and-set per minute of the batch. Returns how many it took.
 */
public class Aggregate implements Handler<List<Map<String, Object>>, Integer> {

    @Override
    public Integer handle(List<Map<String, Object>> events, Context ctx) {
        Map<String, Totals> byMinute = new TreeMap<>();
        for (Map<String, Object> event : events) {
            if (event.get("data") instanceof Map<?, ?> order) {
                String minute = String.valueOf(order.get("at")).substring(0, 16);
                byMinute.merge(minute, Totals.of(String.valueOf(order.get("region")),
                        new BigDecimal(String.valueOf(order.get("eur"))).setScale(2, java.math.RoundingMode.HALF_EVEN)),
                        Totals::plus);
            }
        }
        Minutes.update(ctx.state().global(), minutes -> minutes.addAll(byMinute.keySet()));
        byMinute.forEach((minute, add) -> Totals.update(ctx.state().global(), "minute/" + minute, t -> t.plus(add)));
        return events.size();
    }
}
