package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterConfigTest {

    /** An emulated fleet's heartbeat and control tick follow its time scale, within their floors; never slower than real time. */
    @ParameterizedTest(name = "time scale {0}: heartbeat {1} ms, tick {2} ms")
    @CsvSource({
            "1,     500, 1000",
            "0.5,   250,  500",
            "0.25,  250,  250",
            "0.1,   250,  100",
            "0.01,  250,  100",
            "10,    500, 1000",
    })
    void aCompressedTimeScaleQuickensTheFleetsReaction(double timeScale, long heartbeatMs, long tickMs) {
        assertThat(ClusterConfig.scale(ClusterConfig.DEFAULT_HEARTBEAT, timeScale, ClusterConfig.FASTEST_HEARTBEAT))
                .isEqualTo(Duration.ofMillis(heartbeatMs));
        assertThat(ClusterConfig.scale(ClusterConfig.DEFAULT_CONTROL_TICK, timeScale, ClusterConfig.FASTEST_TICK))
                .isEqualTo(Duration.ofMillis(tickMs));
    }
}
