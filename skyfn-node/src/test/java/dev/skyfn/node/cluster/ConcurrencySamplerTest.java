package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.app.AppKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrencySamplerTest {

    @Test
    void busyTimeGrowsOnlyWhileACallIsInFlight() {
        var inFlight = new AtomicInteger();
        AppKey app = new AppKey("dev", "app");
        try (var sampler = new ConcurrencySampler(List.of(() -> inFlight.get() == 0 ? Map.of() : Map.of(app, inFlight.get())))) {
            // idle: no busy time, however long it stays idle
            long idleFrom = System.nanoTime();
            await().until(() -> System.nanoTime() - idleFrom > Duration.ofMillis(300).toNanos());
            assertThat(sampler.busyMs()).isZero();

            inFlight.set(2);
            long busyFrom = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> sampler.busyMs() >= 300);
            inFlight.set(0);
            long busyFor = (System.nanoTime() - busyFrom) / 1_000_000;
            assertThat(sampler.drain()).containsKey("dev/app");

            // idle again: it stops growing (a sample in flight as the call ended may add its one gap)
            long settled = sampler.busyMs() + ConcurrencySampler.EVERY.toMillis();
            long idleAgain = System.nanoTime();
            await().until(() -> System.nanoTime() - idleAgain > Duration.ofMillis(300).toNanos());
            assertThat(sampler.busyMs()).isLessThanOrEqualTo(settled).isLessThanOrEqualTo(busyFor + ConcurrencySampler.EVERY.toMillis());
        }
    }
}
