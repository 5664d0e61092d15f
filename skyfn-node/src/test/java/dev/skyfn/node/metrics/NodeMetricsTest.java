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
        var metrics = new NodeMetrics("n1", "local");
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

    @Test
    void whatTheNodeCountedOfAnAppIsLabelledWithItsCloudAndTheFleetsCountsAreNot() {
        var metrics = new NodeMetrics("spot-eu-1", "aws-eu-spot");
        metrics.function(SHOP, "order").record(50_000, "TIMEOUT");
        metrics.coldStart(SHOP, Duration.ofMillis(400));
        metrics.callBetweenApps(SHOP, true);
        metrics.cost(SHOP, new java.util.concurrent.atomic.DoubleAdder());
        metrics.runtimeGauges(SHOP, "order", new Object(), r -> 2, r -> 1);
        metrics.replicas(Map.of(SHOP, Map.of("ready", 3)));

        String scraped = metrics.scrape();
        String ours = "app=\"shop\",cloud=\"aws-eu-spot\"";
        assertThat(scraped)
                .contains("skyfn_invocations_total{" + ours + ",function=\"order\",outcome=\"TIMEOUT\",tenant=\"acme\"} 1.0")
                .contains("skyfn_invocation_duration_seconds_count{" + ours + ",function=\"order\",tenant=\"acme\"} 1")
                .contains("skyfn_cold_starts_seconds_count{" + ours + ",tenant=\"acme\"} 1")
                .contains("skyfn_calls_between_apps_total{" + ours + ",path=\"direct\",tenant=\"acme\"} 1.0")
                .contains("skyfn_cost_usd_total{" + ours + ",tenant=\"acme\"} 0.0")
                .contains("skyfn_queue_depth{" + ours + ",function=\"order\",tenant=\"acme\"} 2.0")
                .contains("skyfn_invocations_in_flight{" + ours + ",function=\"order\",tenant=\"acme\"} 1.0")
                .contains("skyfn_app_replicas{app=\"shop\",state=\"ready\",tenant=\"acme\"} 3.0")
                .contains("skyfn_node_info{cloud=\"aws-eu-spot\",node=\"spot-eu-1\"} 1\n");
    }
}
