package dev.skyfn.core.manifest;

import java.time.Duration;

/**
 * How an app's replica count follows its load, the way Knative's Pod Autoscaler (KPA) scales a
 * revision: the manifest's {@code scaling: {target: 50, min: 0, max: 20}}. Without it, an app
 * keeps the replicas its placement names.
 *
 * @param target           concurrent calls one replica is meant to serve (KPA's target concurrency)
 * @param min              the fewest replicas; 0 lets the app scale to zero, and a call then waits
 *                         for a replica rather than failing
 * @param max              the most replicas
 * @param window           the stable window concurrency is averaged over (KPA: 60 s); the panic
 *                         window is a tenth of it
 * @param scaleToZeroAfter how long the app must see no call before its last replica goes (KPA's
 *                         scale-to-zero grace period, 30 s)
 * @param scaleDownDelay   how long a lower replica count must hold before replicas go (KPA's
 *                         scale-down delay, 0 by default)
 */
public record ScalingSpec(int target, int min, int max, Duration window, Duration scaleToZeroAfter, Duration scaleDownDelay) {

    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SCALE_TO_ZERO_AFTER = Duration.ofSeconds(30);
    /** KPA's default target concurrency per replica. */
    public static final int DEFAULT_TARGET = 100;

    public ScalingSpec {
        if (target < 1 || min < 0 || max < Math.max(1, min)) {
            throw new IllegalArgumentException("scaling needs target >= 1 and 0 <= min <= max, max >= 1: " + target + ", " + min + ", " + max);
        }
    }

    /** The panic window: a tenth of the stable window (KPA's panic-window-percentage, 10%), at least a second. */
    public Duration panicWindow() {
        Duration tenth = window.dividedBy(10);
        return tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenth;
    }
}
