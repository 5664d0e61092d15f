package dev.skyfn.nats.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WatchTest {

    private static final long MS = 1_000_000;

    /** Dead after 5 s of silence; looks more than 2.5 s apart mean the observer itself stalled. */
    @ParameterizedTest(name = "looks at {0} ms, heard at {1} ms: dead {2}")
    @CsvSource(delimiter = '|', textBlock = """
            1000 2000 3000 4000 5000 6000 | 0    | true
            1000 2000 3000 4000 5000      | 0    | false
            1000 2000 3000 4000 5000 6000 | 1500 | false
            1000 6500                     | 0    | false
            1000 6500 8500 10500 11600    | 0    | true
            1000 6500 8500 10500 11400    | 0    | false
            1000 6500 8500 10500 11600    | 7000 | false
            1000 6500 8500 11100          | 0    | false
            2400 4800 7200                | 0    | true
            """)
    void aNodeIsDeadOnlyAfterBeingSilentWhileWatched(String looks, long heardAtMs, boolean dead) {
        var watch = new Watch(Duration.ofSeconds(5), Duration.ofMillis(2500), 0);
        for (String look : looks.split(" ")) {
            watch.look(Long.parseLong(look) * MS);
        }
        assertThat(watch.dead(heardAtMs * MS)).isEqualTo(dead);
    }

    /** Dead after 5 s; an observer silent to itself for 2.5 s is cut off. */
    @ParameterizedTest(name = "looks at {0} ms, itself heard at {1} ms: cut off {2}")
    @CsvSource(delimiter = '|', textBlock = """
            1000 2000 3000       | 0    | true
            1000 2000 2500       | 0    | false
            1000 2000 3000       | 1000 | false
            1000 2000 3000 4000  | 1000 | true
            1000 5000            | 0    | false
            """)
    void anObserverThatDoesNotHearItselfIsCutOff(String looks, long selfHeardAtMs, boolean cutOff) {
        var watch = new Watch(Duration.ofSeconds(5), Duration.ofMillis(2500), 0);
        for (String look : looks.split(" ")) {
            watch.look(Long.parseLong(look) * MS);
        }
        assertThat(watch.cutOff(selfHeardAtMs * MS)).isEqualTo(cutOff);
    }

    @org.junit.jupiter.api.Test
    void anObserverBackFromBeingCutOffGivesEveryNodeAFullDeadAfterAgain() {
        var watch = new Watch(Duration.ofSeconds(5), Duration.ofMillis(2500), 0);
        for (long ms = 1000; ms <= 8000; ms += 1000) {
            watch.look(ms * MS);
        }
        assertThat(watch.dead(0)).isTrue();
        watch.rejoin(8000 * MS);
        for (long ms = 9000; ms <= 12_000; ms += 1000) {
            watch.look(ms * MS);
        }
        assertThat(watch.dead(0)).as("4 s after rejoining").isFalse();
        watch.look(13_000 * MS);
        watch.look(13_500 * MS);
        assertThat(watch.dead(0)).as("5.5 s after rejoining").isTrue();
    }
}
