package dev.skyfn.bench;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles of samples. */
final class Stats {

    private Stats() {
    }

    static double percentile(List<Double> samples, double p) {
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.clamp(i, 0, sorted.length - 1)];
    }

    static double median(List<Double> samples) {
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String list(List<Double> samples, String format) {
        return String.join(", ", samples.stream().map(v -> String.format(format, v)).toList());
    }

    static double[] array(List<Double> samples) {
        return samples.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String mib(double bytes) {
        return String.format("%.1f MiB", bytes / (1 << 20));
    }

    static String kib(double bytes) {
        return String.format("%.1f KiB", bytes / 1024);
    }

    static double[] sorted(double[] values) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }
}
