package dev.skyfn.nats.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeaseGroupTest {

    /** A node's share of a trigger's partitions: every partition has a node, and no node holds two more than another. */
    @ParameterizedTest(name = "{0} partitions, {1} nodes -> {2} each at most")
    @CsvSource({
            "8, 1, 8",
            "8, 2, 4",
            "8, 3, 3",
            "8, 8, 1",
            "8, 9, 1",
            "8, 0, 8",
    })
    void eachNodeHoldsAtMostItsShare(int partitions, int nodes, int share) {
        assertThat(LeaseGroup.share(partitions, nodes)).isEqualTo(share);
    }
}
