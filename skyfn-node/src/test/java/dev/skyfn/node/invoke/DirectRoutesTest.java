package dev.skyfn.node.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DirectRoutesTest {

    /** The least concurrency of the callee's functions, and the direct calls one caller may have in flight (0: through the node only). */
    @ParameterizedTest(name = "concurrency {0} -> {1}")
    @CsvSource({
            "1, 0",
            "4, 0",
            "7, 0",
            "8, 2",
            "10, 2",
            "64, 16",
            "1000, 250",
    })
    void aCallerTakesAQuarterOfTheCalleesConcurrencyAndNoneBelowEight(int concurrency, int expected) {
        assertThat(DirectRoutes.maxInFlight(concurrency)).isEqualTo(expected);
    }
}
