package dev.skyfn.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The trace the cost benchmark replays: an emulated hour (or {@code minutes}) of load and spot
 * prices. The load is a day compressed into the hour — concurrency {@code mean × (1 − 0.6 cos
 * 2πt/T)}, from 0.4× the mean at the start to 1.6× half way — with two bursts of 10× the mean,
 * each rising in a sixth of its length and lasting a twentieth of the run (three minutes of an
 * hour), at 1/3 and 7/10 of it. The spot cloud's
 * price moves every few minutes as spot price histories do (AWS's, Alibaba's: mostly flat, steps
 * of 5–20%, a spike now and then), as factors of the topology's spot price; on-demand and owned
 * prices stay fixed.
 */
record CostTrace(Duration length, double meanConcurrency) {

    static final double BURST_FACTOR = 10;
    /** Spot price factors, one per step of a tenth of the run: flat, small steps, one spike (still below on-demand). */
    private static final double[] SPOT_STEPS = {1.0, 1.0, 1.08, 0.95, 0.95, 1.6, 1.15, 1.0, 0.9, 0.9};

    /** How long a burst lasts: three minutes of an hour. */
    Duration burst() {
        return length.dividedBy(20);
    }

    /** When each burst starts, from the start of the run. */
    List<Duration> bursts() {
        return List.of(of(1 / 3.0), of(0.7));
    }

    /** The concurrency the load is to hold at {@code t} into the run. */
    double concurrency(Duration t) {
        double x = t.toMillis() / (double) length.toMillis();
        double diurnal = meanConcurrency * (1 - 0.6 * Math.cos(2 * Math.PI * x));
        for (Duration start : bursts()) {
            long into = t.minus(start).toMillis();
            if (into >= 0 && into < burst().toMillis()) {
                double rise = Math.min(1, into / (double) burst().dividedBy(6).toMillis());
                return diurnal + rise * (BURST_FACTOR * meanConcurrency - diurnal);
            }
        }
        return diurnal;
    }

    /** The highest concurrency of the run: a burst's. */
    double peakConcurrency() {
        return BURST_FACTOR * meanConcurrency;
    }

    /** The spot price factor at {@code t} into the run. */
    double spotFactor(Duration t) {
        int step = (int) Math.min(SPOT_STEPS.length - 1, t.toMillis() * SPOT_STEPS.length / length.toMillis());
        return SPOT_STEPS[step];
    }

    /** The spot price factor averaged over the run. */
    double meanSpotFactor() {
        return java.util.Arrays.stream(SPOT_STEPS).average().orElse(1);
    }

    /**
     * The spot cloud's prices as a price trace for {@code skyfn dev --prices} (CSV {@code
     * at,cloud,gbSecond,vcpuSecond}), at {@code gbSecond}/{@code vcpuSecond} times each step's factor.
     */
    List<String> priceTraceCsv(String cloud, double gbSecond, double vcpuSecond) {
        List<String> lines = new ArrayList<>(List.of("# spot prices of " + cloud + ", a step every tenth of the run"));
        for (int i = 0; i < SPOT_STEPS.length; i++) {
            long at = length.toSeconds() * i / SPOT_STEPS.length;
            lines.add(String.format(Locale.ROOT, "%ds,%s,%.10f,%.10f", at, cloud, gbSecond * SPOT_STEPS[i], vcpuSecond * SPOT_STEPS[i]));
        }
        return lines;
    }

    private Duration of(double share) {
        return Duration.ofMillis((long) (length.toMillis() * share));
    }
}
