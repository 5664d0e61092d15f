package dev.skyfn.control.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.manifest.ScalingSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AutoscalerTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
    /** target 10 per replica, min 0, max 20, 60 s window (6 s panic), 30 s to zero, no scale-down delay. */
    private static final ScalingSpec SPEC = new ScalingSpec(10, 0, 20, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ZERO);

    /**
     * One decision from a calm state, the app last active {@code idle} seconds ago: ready replicas,
     * stable and panic concurrency → replicas, panicking.
     */
    @ParameterizedTest(name = "ready {0}, stable {1}, panic {2}, idle {3} s -> {4} (panic {5})")
    @CsvSource({
            // steady load: the stable average over the target, rounded up
            "2, 20, 20, 0, 2, false",
            "2, 25, 25, 0, 3, false",
            "3, 25, 20, 0, 3, false",
            // a cold call to an app with no replica brings one back
            "0, 0.1, 1, 0, 1, false",
            "0, 3, 5, 0, 1, false",
            // a burst from zero: the panic count is twice the (at least one) ready replica
            "0, 2, 30, 0, 3, true",
            // panic at twice the ready replicas, on the panic window
            "2, 20, 40, 0, 4, true",
            "2, 20, 30, 0, 2, false",
            "5, 50, 300, 0, 20, true",
            // down at most by half a step
            "8, 0, 0, 0, 4, false",
            "8, 11, 11, 0, 4, false",
            "3, 5, 5, 0, 1, false",
            // the last replica stays until 30 s without calls, then goes
            "1, 0, 0, 10, 1, false",
            "1, 0, 0, 29, 1, false",
            "1, 0, 0, 30, 0, false",
            "2, 0, 0, 45, 1, false",
            "0, 0, 0, 45, 0, false",
            // within max
            "20, 500, 500, 0, 20, true",
    })
    void decidesFromTheWindows(int ready, double stable, double panic, int idleSeconds, int replicas, boolean panicking) {
        var state = new ScalingState(Optional.empty(), 0, T0.minusSeconds(idleSeconds), List.of());
        ScalingDecision d = Autoscaler.decide(SPEC, ready, stable, panic, state, T0);
        assertThat(d.replicas()).as(d.why()).isEqualTo(replicas);
        assertThat(d.panicking()).as(d.why()).isEqualTo(panicking);
    }

    @ParameterizedTest(name = "min {0}, max {1}: ready {2}, stable {3} -> {4}")
    @CsvSource({
            "2, 20, 1, 0, 2",
            "2, 20, 4, 0, 2",
            "1, 20, 1, 0, 1",
            "0, 3, 3, 100, 3",
            "0, 3, 2, 100, 3",
    })
    void staysWithinMinAndMax(int min, int max, int ready, double stable, int replicas) {
        var spec = new ScalingSpec(10, min, max, Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO);
        ScalingDecision d = Autoscaler.decide(spec, ready, stable, stable, ScalingState.start(T0.minusSeconds(600)), T0);
        assertThat(d.replicas()).as(d.why()).isEqualTo(replicas);
    }

    @Test
    void aPanicNeverScalesDownAndEndsAfterAStableWindowBelowTheThreshold() {
        ScalingDecision burst = Autoscaler.decide(SPEC, 1, 5, 60, ScalingState.start(T0), T0);
        assertThat(burst.replicas()).isEqualTo(6);
        assertThat(burst.panicking()).isTrue();

        // the burst ebbs: the panic count falls to 2, but the panic holds the 6
        ScalingDecision ebb = Autoscaler.decide(SPEC, 6, 8, 15, burst.next(), T0.plusSeconds(10));
        assertThat(ebb.panicking()).isTrue();
        assertThat(ebb.replicas()).as(ebb.why()).isEqualTo(6);

        // 59 s after the last time over the threshold: still panicking
        ScalingDecision still = Autoscaler.decide(SPEC, 6, 8, 15, ebb.next(), T0.plusSeconds(59));
        assertThat(still.panicking()).isTrue();
        assertThat(still.replicas()).isEqualTo(6);

        // a whole stable window below the threshold: back to the stable count
        ScalingDecision calm = Autoscaler.decide(SPEC, 6, 8, 15, still.next(), T0.plusSeconds(60));
        assertThat(calm.panicking()).isFalse();
        assertThat(calm.replicas()).as(calm.why()).isEqualTo(3);
    }

    @Test
    void aLowerCountWaitsForTheScaleDownDelay() {
        var spec = new ScalingSpec(10, 0, 20, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(20));
        ScalingDecision high = Autoscaler.decide(spec, 4, 40, 40, ScalingState.start(T0), T0);
        assertThat(high.replicas()).isEqualTo(4);
        ScalingDecision held = Autoscaler.decide(spec, 4, 20, 20, high.next(), T0.plusSeconds(10));
        assertThat(held.replicas()).as(held.why()).isEqualTo(4);
        assertThat(held.why()).contains("scale-down delay");
        ScalingDecision lower = Autoscaler.decide(spec, 4, 20, 20, held.next(), T0.plusSeconds(21));
        assertThat(lower.replicas()).as(lower.why()).isEqualTo(2);
    }

    @Test
    void explainsItsNumbers() {
        ScalingDecision d = Autoscaler.decide(SPEC, 2, 25, 25, ScalingState.start(T0), T0);
        assertThat(d.why()).isEqualTo("stable: 25.00 calls in flight over 60 s, 3 replica(s) at 10 each");
        assertThat(d.changes()).isTrue();
    }

    @Test
    void aWindowAveragesTheSamplesWithinIt() {
        var window = new ConcurrencyWindow(Duration.ofSeconds(60));
        for (int s = 0; s < 120; s++) {
            window.record(T0.plusSeconds(s), s < 100 ? 0 : 12);
        }
        Instant now = T0.plusSeconds(119);
        assertThat(window.average(Duration.ofSeconds(6), now)).isEqualTo(12);
        assertThat(window.average(Duration.ofSeconds(60), now)).isEqualTo(4);
        assertThat(new ConcurrencyWindow(Duration.ofSeconds(60)).average(Duration.ofSeconds(6), now)).isZero();
    }
}
