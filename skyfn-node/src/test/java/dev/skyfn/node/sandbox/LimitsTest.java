package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LimitsTest {

    @ParameterizedTest(name = "a heap of {0} MiB: {1} MiB in all")
    @CsvSource({
            "32, 160",
            "128, 256",
            "256, 384",
            "511, 766",
            "512, 768",
            "1024, 1536",
            "4096, 6144"})
    void aSandboxMayHoldItsHeapPlusHalfAsMuchAgainAndNeverLessThan128MibBesideIt(int heapMb, long memoryMb) {
        Limits limits = Limits.forHeap(heapMb, 512);

        assertThat(limits.memoryBytes()).isEqualTo(memoryMb << 20);
        assertThat(limits.memoryMb()).isEqualTo(memoryMb);
        assertThat(limits.pids()).isEqualTo(512);
        assertThat(Limits.memoryMb(heapMb)).as("what a spare of that heap is counted at").isEqualTo(memoryMb);
    }

    @Test
    void limitsAreNeverZero() {
        assertThatThrownBy(() -> Limits.forHeap(256, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
