package dev.skyfn.examples.etl;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Checks a raw order — a CloudEvent whose data is {@code {"id", "amount", "currency", "country"}} —
 * and enriches it with its amount in euros and its region; an order that is not one fails (and,
 * failing again, goes to the dead-letter subject). Its result is published to the trigger's output.
 */
public class Clean implements Handler<Map<String, Object>, Clean.Order> {

    /** An order as the pipeline goes on with it. */
    public record Order(String id, BigDecimal eur, String country, String region, String at) {
    }

    private static final Map<String, BigDecimal> EUR_PER_UNIT = Map.of("EUR", BigDecimal.ONE, "USD", new BigDecimal("0.92"),
            "GBP", new BigDecimal("1.17"), "CHF", new BigDecimal("1.05"));
    private static final Map<String, String> REGIONS = Map.of("FR", "eu", "DE", "eu", "ES", "eu", "IT", "eu", "GB", "eu",
            "CH", "eu", "US", "america", "CA", "america", "BR", "america", "JP", "asia");

    @Override
    public Order handle(Map<String, Object> event, Context ctx) {
        if (!(event.get("data") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException("an order is a JSON object");
        }
        Object id = raw.get("id");
        BigDecimal rate = EUR_PER_UNIT.get(String.valueOf(raw.get("currency")));
        if (id == null || rate == null || !(raw.get("amount") instanceof Number amount) || amount.doubleValue() <= 0) {
            throw new IllegalArgumentException("not an order: " + raw);
        }
        String country = String.valueOf(raw.get("country")).toUpperCase(java.util.Locale.ROOT);
        BigDecimal eur = new BigDecimal(amount.toString()).multiply(rate).setScale(2, RoundingMode.HALF_EVEN);
        return new Order(String.valueOf(id), eur, country, REGIONS.getOrDefault(country, "other"), String.valueOf(event.get("time")));
    }
}
