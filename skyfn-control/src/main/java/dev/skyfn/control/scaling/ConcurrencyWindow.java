package dev.skyfn.control.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The calls in flight an app was seen with, one sample per observation, kept for the longest
 * window asked of it. Averages are over the samples taken within a window that ends now; before
 * a whole window has passed, over the samples there are (KPA averages what it has too). Not
 * thread-safe: one autoscaler owns it.
 */
public final class ConcurrencyWindow {

    private record Sample(Instant at, double inFlight) {
    }

    private final Duration keep;
    private final Deque<Sample> samples = new ArrayDeque<>();

    /** A window that keeps samples for {@code keep} (the stable window). */
    public ConcurrencyWindow(Duration keep) {
        this.keep = keep;
    }

    /** Adds what was seen at {@code at}, in calls in flight; samples older than {@code keep} go. */
    public void record(Instant at, double inFlight) {
        samples.addLast(new Sample(at, inFlight));
        while (!samples.isEmpty() && !samples.peekFirst().at().isAfter(at.minus(keep))) {
            samples.removeFirst();
        }
    }

    /** The mean of the samples taken in the {@code window} before {@code now}; zero with none. */
    public double average(Duration window, Instant now) {
        Instant from = now.minus(window);
        double sum = 0;
        int n = 0;
        for (Sample s : samples) {
            if (s.at().isAfter(from) && !s.at().isAfter(now)) {
                sum += s.inFlight();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }
}
