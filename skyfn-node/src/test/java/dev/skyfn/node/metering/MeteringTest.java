package dev.skyfn.node.metering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.billing.UsageRecord;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.PriceFeed;
import dev.skyfn.core.cloud.Pricing;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.Spent;
import dev.skyfn.node.NodeScheduler;
import dev.skyfn.node.invoke.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a usage record says of a call: the meter's arithmetic and stamps, without a sandbox. */
class MeteringTest {

    private static final AppKey APP = new AppKey("acme", "shop");
    private static final FunctionSpec PAY = ManifestReader.read("app: shop\nfunctions: {pay: {handler: a.Pay, memory: 512}}\n"
            .getBytes(StandardCharsets.UTF_8)).functions().get("pay");

    @TempDir
    Path dir;

    @Test
    void aRecordCarriesItsCallsNumbersAndTheCloudsPricesAtTheTimeItRan() {
        Cloud cloud = Topology.local(1, 0).clouds().getFirst();
        var prices = new AtomicReference<>(new Pricing(Pricing.Model.SPOT, 0.00001, 0.00002, 0.0000002, 0.09, Duration.ZERO, Duration.ZERO));
        PriceFeed feed = (c, now) -> prices.get();
        Clock clock = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);
        try (NodeScheduler scheduler = new NodeScheduler();
             Metering metering = Metering.open(dir, "n-1", cloud, feed, Duration.ofHours(1), scheduler, clock)) {
            var ok = new Outcome("inv-1", Payload.json("\"done\"".getBytes()), null, true, 9_000_000, null, new Spent(1_200_001, 77));
            metering.invoked(APP, PAY, Payload.json("{\"x\":1}".getBytes()), ok, 2_000_001, true);
            prices.set(prices.get().at(0.00003, 0.00004)); // the market moved
            var failed = new Outcome("inv-2", null, new Outcome.Error(dev.skyfn.core.ErrorCode.FUNCTION_ERROR, "no", ""), false, 1_000, null, new Spent(2_000_001, -1));
            metering.invoked(APP, PAY, Payload.EMPTY, failed, 1_000, false);
            metering.ranInSandbox(APP, PAY, "inv-1.1", true, 4_500_000, "ok", Spent.UNKNOWN, 0, 0);

            List<UsageRecord> records = metering.ledger().records(null, 0, Long.MAX_VALUE);
            assertThat(records).hasSize(3);
            UsageRecord first = records.get(0);
            assertThat(first.billedMs()).as("2,000,001 ns billed as 3 ms, not the 9 ms the caller waited").isEqualTo(3);
            assertThat(first.start()).isEqualTo(clock.millis() - 3);
            assertThat(first).extracting(UsageRecord::tenant, UsageRecord::app, UsageRecord::function, UsageRecord::node, UsageRecord::cloud,
                    UsageRecord::memoryMb, UsageRecord::bytesIn, UsageRecord::bytesOut, UsageRecord::egressBytes, UsageRecord::cold,
                    UsageRecord::outcome, UsageRecord::cpuMicros, UsageRecord::blocks)
                    .containsExactly("acme", "shop", "pay", "n-1", "local", 512, 7L, 6L, 6L, true, "ok", 1_201L, 77L);
            assertThat(first.prices().gbSecond()).isEqualTo(0.00001);
            UsageRecord second = records.get(1);
            assertThat(second).extracting(UsageRecord::billedMs, UsageRecord::egressBytes, UsageRecord::outcome, UsageRecord::cpuMicros,
                    UsageRecord::blocks).containsExactly(1L, 0L, "FUNCTION_ERROR", 2_001L, null);
            assertThat(second.prices().gbSecond()).as("the price when it ran").isEqualTo(0.00003);
            assertThat(records.get(2)).extracting(UsageRecord::kind, UsageRecord::invocation, UsageRecord::billedMs, UsageRecord::cpuMicros)
                    .containsExactly(UsageRecord.Kind.step, "inv-1.1", 5L, null);
        }
    }
}
