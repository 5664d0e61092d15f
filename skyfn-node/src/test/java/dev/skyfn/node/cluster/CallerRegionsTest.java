package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallerRegionsTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T00:00:00Z"));


    @Test
    void aReportCountsTheCallsOfTheLastWindowByAppAndRegion() {
        var callers = new CallerRegions(Duration.ofSeconds(30), clock);
        AppKey shop = new AppKey("t", "shop");
        AppKey blog = new AppKey("t", "blog");
        for (int i = 0; i < 3; i++) {
            callers.count(shop, "europe");
        }
        callers.count(blog, "america");
        assertThat(callers.lately()).isEqualTo(Map.of("t/shop", Map.of("europe", 3L), "t/blog", Map.of("america", 1L)));

        clock.advance(Duration.ofSeconds(20));
        callers.count(shop, "america");
        // what was counted before is still within the window: reported again, with what came since
        assertThat(callers.lately()).isEqualTo(Map.of("t/shop", Map.of("europe", 3L, "america", 1L), "t/blog", Map.of("america", 1L)));

        clock.advance(Duration.ofSeconds(15));
        // the first calls are 35 s old now: out of the window
        assertThat(callers.lately()).isEqualTo(Map.of("t/shop", Map.of("america", 1L)));
        clock.advance(Duration.ofSeconds(30));
        assertThat(callers.lately()).isEmpty();
    }
}
