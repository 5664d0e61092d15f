package dev.skyfn.control.scaling;

import dev.skyfn.core.manifest.ScalingSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How many replicas an app should have: a pure function of its scaling spec, the replicas it has,
 * the calls in flight observed over the stable and panic windows, and what it remembers of the
 * last decisions. It follows the decider of Knative's Pod Autoscaler (KPA):
 * <ul>
 *   <li>the stable count is the stable window's average concurrency over the target per replica,
 *       rounded up; the panic count the same over the panic window;</li>
 *   <li>when the panic count reaches twice the ready replicas ({@link #PANIC_THRESHOLD}), the app
 *       panics: it scales on the panic count and never down, until a whole stable window has passed
 *       below the threshold;</li>
 *   <li>a step grows the replicas at most {@link #MAX_SCALE_UP_RATE}-fold and halves them at most
 *       ({@link #MAX_SCALE_DOWN_RATE});</li>
 *   <li>a lower count holds only once it has held for the scale-down delay (the highest
 *       recommendation within it wins);</li>
 *   <li>the last replica goes only when the stable window saw no call and none was in flight for
 *       {@link ScalingSpec#scaleToZeroAfter()}; a call to an app with no replica counts as
 *       concurrency, so it brings one back;</li>
 *   <li>the result stays within {@code min} and {@code max}.</li>
 * </ul>
 */
public final class Autoscaler {

    /** KPA's panic threshold: the panic count over the ready replicas at which the app panics (200%). */
    static final double PANIC_THRESHOLD = 2.0;
    /** KPA's max scale-up rate. */
    static final double MAX_SCALE_UP_RATE = 1000.0;
    /** KPA's max scale-down rate. */
    static final double MAX_SCALE_DOWN_RATE = 2.0;

    private Autoscaler() {
    }

    /**
     * Decides at {@code now}.
     *
     * @param ready  the replicas the app has
     * @param stable calls in flight (running or queued, over all its replicas and gateways), averaged over the stable window
     * @param panic  the same over the panic window
     */
    public static ScalingDecision decide(ScalingSpec spec, int ready, double stable, double panic, ScalingState state, Instant now) {
        double readyForRatio = Math.max(1, ready);
        int maxUp = (int) Math.ceil(MAX_SCALE_UP_RATE * readyForRatio);
        int maxDown = ready <= 1 ? 0 : (int) Math.floor(ready / MAX_SCALE_DOWN_RATE);
        int stableCount = clamp((int) Math.ceil(stable / spec.target()), maxDown, maxUp);
        int panicCount = clamp((int) Math.ceil(panic / spec.target()), maxDown, maxUp);

        boolean over = panicCount / readyForRatio >= PANIC_THRESHOLD;
        Optional<Instant> panicSince = state.panicSince();
        if (over) {
            panicSince = Optional.of(now);
        } else if (panicSince.isPresent() && !now.isBefore(panicSince.get().plus(spec.window()))) {
            panicSince = Optional.empty();
        }
        boolean panicking = panicSince.isPresent();
        int wanted = panicking ? Math.max(panicCount, state.panicFloor()) : stableCount;
        int panicFloor = panicking ? wanted : 0;
        String why = panicking
                ? String.format(Locale.ROOT, "panic: %.2f calls in flight over %s, %d replica(s) at %d each; a panic does not scale down",
                        panic, seconds(spec.panicWindow()), panicCount, spec.target())
                : String.format(Locale.ROOT, "stable: %.2f calls in flight over %s, %d replica(s) at %d each",
                        stable, seconds(spec.window()), stableCount, spec.target());

        List<ScalingState.Recommendation> recent = recent(state.recent(), now, spec.scaleDownDelay(), wanted);
        int delayed = recent.stream().mapToInt(ScalingState.Recommendation::replicas).max().orElse(wanted);
        if (delayed > wanted) {
            why += "; held at " + delayed + " for the scale-down delay of " + seconds(spec.scaleDownDelay());
            wanted = delayed;
        }

        Instant lastActive = panic > 0 ? now : state.lastActive();
        if (wanted == 0 && ready > 0 && now.isBefore(lastActive.plus(spec.scaleToZeroAfter()))) {
            wanted = 1;
            why += "; the last replica stays until " + seconds(spec.scaleToZeroAfter()) + " without calls";
        }
        int replicas = clamp(wanted, spec.min(), spec.max());
        if (replicas != wanted) {
            why += "; kept within min " + spec.min() + " and max " + spec.max();
        }
        return new ScalingDecision(replicas, ready, stable, panic, panicking, why,
                new ScalingState(panicSince, panicFloor, lastActive, recent));
    }

    /** The recommendations still within the scale-down delay, with this one. */
    private static List<ScalingState.Recommendation> recent(List<ScalingState.Recommendation> before, Instant now, Duration delay,
                                                           int wanted) {
        if (delay.isZero()) {
            return List.of();
        }
        List<ScalingState.Recommendation> kept = new ArrayList<>();
        for (ScalingState.Recommendation r : before) {
            if (r.at().isAfter(now.minus(delay))) {
                kept.add(r);
            }
        }
        kept.add(new ScalingState.Recommendation(now, wanted));
        return kept;
    }

    private static int clamp(int n, int min, int max) {
        return Math.max(min, Math.min(max, n));
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
