package dev.skyfn.node.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.node.invoke.AppRuntimes.EvictionCandidate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvictionOrderTest {

    /**
     * Two idle sandboxes, each as batch work or not, called directly by other sandboxes or not, and
     * last used at a time (ns); whether the first goes before the second when the node needs room.
     */
    @ParameterizedTest(name = "{0} {1} {2} before {3} {4} {5}: {6}")
    @CsvSource({
            // batch work goes first, whatever else holds
            "true,  true,  900, false, false, 100, true",
            "false, false, 100, true,  true,  900, false",
            // then a sandbox nobody calls directly: one that is may run calls the node cannot see
            "false, false, 900, false, true,  100, true",
            "false, true,  100, false, false, 900, false",
            "true,  false, 900, true,  true,  100, true",
            // then the one idle longer
            "false, false, 100, false, false, 900, true",
            "false, false, 900, false, false, 100, false",
            "false, true,  100, false, true,  900, true",
            // and on a clock that wrapped: -10 is after Long.MAX_VALUE
            "false, false, 9223372036854775807, false, false, -10, true",
            "false, false, 500, false, false, 500, false",
    })
    void batchWorkThenSandboxesNobodyCallsDirectlyThenTheLeastRecentlyUsed(boolean batchA, boolean directA, long usedA,
                                                                         boolean batchB, boolean directB, long usedB, boolean first) {
        var a = new EvictionCandidate(batchA, directA, usedA);
        var b = new EvictionCandidate(batchB, directB, usedB);

        assertThat(AppRuntimes.evictsBefore(a, b)).isEqualTo(first);
    }
}
