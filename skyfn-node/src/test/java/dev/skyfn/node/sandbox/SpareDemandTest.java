package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpareDemandTest {

    /**
     * --spares; cold starts in the last 10 s; a boot's time, ms; heap sizes asked for, oldest first;
     * the memory budget, MiB; the spares kept. A 128 MiB spare counts 256 MiB, a 256 MiB one 384.
     */
    @ParameterizedTest(name = "floor {0}, {1} cold starts, {2} ms boots, sizes {3}, {4} MiB -> {5}")
    @CsvSource(delimiter = '|', value = {
            // no cold starts: the floor
            "3 |   0 | 1000 | 128     | 4096 | 3",
            // 20 in 10 s take 2 during a 1 s boot: the floor covers them
            "3 |  20 | 1000 | 128     | 4096 | 3",
            // a burst: as many as are taken during one boot
            "3 |  60 | 1000 | 128     | 4096 | 6",
            "3 |  61 | 1000 | 128     | 4096 | 7",
            // slower boots need more spares for the same rate, faster ones fewer
            "2 |  40 | 2000 | 128     | 4096 | 8",
            "3 |  40 |  500 | 128     | 4096 | 3",
            // with no floor, one cold start keeps one spare ready for the next
            "0 |   1 |  300 | 128     | 4096 | 1",
            // the budget caps a storm: 16 spares of 256 MiB fill 4 GiB exactly
            "1 | 300 | 1000 | 128     | 4096 | 16",
            "1 | 300 | 1000 | 128     | 4095 | 15",
            // sizes share the spares, each counted at its own limit: 6 x 256 + 6 x 384 fit, 6 x 256 + 7 x 384 do not
            "1 | 300 | 1000 | 128 256 | 4096 | 12",
            // the floor is kept whatever it costs; a budget below one spare adds none
            "3 | 300 | 1000 | 128     |  512 | 3",
            "0 |  10 | 1000 | 128     |  255 | 0",
            "0 |  10 | 1000 | 128     |  256 | 1"})
    void sparesFollowTheRateOfColdStartsAboveTheFloorWithinTheBudget(int floor, int coldStarts, long bootMs, String sizes,
                                                                     long budgetMb, int expected) {
        int target = SpareDemand.target(floor, coldStarts, Duration.ofSeconds(10), Duration.ofMillis(bootMs),
                SpareTargetsTest.heapSizes(sizes), budgetMb);

        assertThat(target).isEqualTo(expected);
    }

    @Test
    void aColdStartCountsForTenSecondsFromWhenItHappened() {
        var demand = new SpareDemand();
        long t0 = 1_000_000_000L;

        demand.coldStart(t0);
        demand.coldStart(t0 + seconds(5));
        demand.coldStart(t0 + seconds(9));

        assertThat(demand.coldStarts(t0 + seconds(10) - 1)).isEqualTo(3);
        assertThat(demand.coldStarts(t0 + seconds(10))).isEqualTo(2);
        assertThat(demand.coldStarts(t0 + seconds(15))).isEqualTo(1);
        assertThat(demand.coldStarts(t0 + seconds(19))).isZero();
    }

    private static long seconds(long s) {
        return Duration.ofSeconds(s).toNanos();
    }
}
