package dev.skyfn.examples.etl;

import dev.skyfn.api.Store;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Order totals — how many, their sum in euros, how many per region — kept as a line of text in the
 * app's global state ({@code orders=3;eur=42.50;eu=2;us=1}).
 */
record Totals(long orders, BigDecimal eur, Map<String, Long> byRegion) {

    static final Totals NONE = new Totals(0, BigDecimal.ZERO.setScale(2), Map.of());

    Totals plus(Totals other) {
        Map<String, Long> regions = new TreeMap<>(byRegion);
        other.byRegion.forEach((r, n) -> regions.merge(r, n, Long::sum));
        return new Totals(orders + other.orders, eur.add(other.eur), regions);
    }

    static Totals of(String region, BigDecimal eur) {
        return new Totals(1, eur, Map.of(region, 1L));
    }

    String format() {
        StringBuilder s = new StringBuilder("orders=" + orders + ";eur=" + eur.toPlainString());
        new TreeMap<>(byRegion).forEach((r, n) -> s.append(';').append(r).append('=').append(n));
        return s.toString();
    }

    static Totals parse(String text) {
        long orders = 0;
        BigDecimal eur = BigDecimal.ZERO;
        Map<String, Long> regions = new TreeMap<>();
        for (String part : text.split(";")) {
            String[] kv = part.split("=", 2);
            switch (kv[0]) {
                case "orders" -> orders = Long.parseLong(kv[1]);
                case "eur" -> eur = new BigDecimal(kv[1]);
                default -> regions.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        return new Totals(orders, eur, regions);
    }

    /** Changes the totals at {@code key} by {@code change}, again if another call changed them meanwhile; null removes them. */
    static void update(Store state, String key, UnaryOperator<Totals> change) {
        while (true) {
            String old = state.getString(key).orElse(null);
            Totals next = change.apply(old == null ? NONE : parse(old));
            boolean done = next == null ? old == null || state.compareAndSet(key, bytes(old), null)
                    : state.compareAndSet(key, old == null ? null : bytes(old), bytes(next.format()));
            if (done) {
                return;
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
