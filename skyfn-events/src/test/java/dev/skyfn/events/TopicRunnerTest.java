package dev.skyfn.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A topic trigger's decisions: how many calls it runs at once, how long it waits after a failure. */
class TopicRunnerTest {

    @ParameterizedTest(name = "concurrency {0}: {1} at once")
    @CsvSource({"1, 1", "2, 2", "3, 3", "4, 3", "8, 6", "64, 48", "256, 192", "342, 256", "1000, 256"})
    void aTriggerLeavesAQuarterOfTheFunctionsConcurrencyToItsOtherCallers(int concurrency, int parallel) {
        assertThat(TopicRunner.parallel(concurrency)).isEqualTo(parallel);
    }

    @ParameterizedTest(name = "attempt {1} after {0} s: {2} s")
    @CsvSource({"1, 1, 1", "1, 2, 2", "1, 3, 4", "5, 4, 40", "5, 5, 60", "1, 1000, 60", "2, 0, 2"})
    void theBackOffDoublesAtEachAttemptUpToAMinute(int firstSeconds, long attempt, int seconds) {
        assertThat(TopicRunner.backoff(Duration.ofSeconds(firstSeconds), attempt)).isEqualTo(Duration.ofSeconds(seconds));
    }
}
