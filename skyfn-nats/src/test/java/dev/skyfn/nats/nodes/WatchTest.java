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
}
