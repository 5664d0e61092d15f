package dev.skyfn.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeMetricsTest {

    private static final AppKey SHOP = new AppKey("acme", "shop");
    private static final AppKey BANK = new AppKey("globex", "bank");

    @Test
    void aFunctionsCountsAreCumulativeWithBucketsWhereTheCountGrows() {
        var metrics = new NodeMetrics();
        var order = metrics.function(SHOP, "order");
        order.record(50_000, null);        // 50 µs
        order.record(50_000, null);
        order.record(3_000_000, null);     // 3 ms
        order.record(3_000_000, "TIMEOUT");
        metrics.function(BANK, "pay").record(1_000, null);
        metrics.coldStart(SHOP, Duration.ofMillis(400));

        var counts = metrics.counts(app -> app.tenant().equals("acme"));
        assertThat(counts).hasSize(1);
        var c = counts.getFirst();
        assertThat(c.function()).isEqualTo("order");
        assertThat(c.calls()).isEqualTo(4);
        assertThat(c.errors()).isEqualTo(Map.of("TIMEOUT", 1L));
        assertThat(c.coldStarts()).isEqualTo(1);
        assertThat(c.coldStartMs()).isEqualTo(400.0);
        assertThat(c.durations()).as("two buckets grow: the 50 µs calls and the 3 ms ones").hasSize(2);
        assertThat(c.durations().getFirst().leMicros()).isBetween(50L, 60L);
        assertThat(c.durations().getFirst().calls()).isEqualTo(2);
        assertThat(c.durations().getLast().leMicros()).isBetween(3_000L, 4_000L);
        assertThat(c.durations().getLast().calls()).isEqualTo(4);

        order.record(50_000, null);
        assertThat(metrics.counts(app -> true).getFirst().durations().getFirst().calls()).as("cumulative since the node started").isEqualTo(3);
    }
}
