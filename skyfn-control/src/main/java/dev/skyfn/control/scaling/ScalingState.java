package dev.skyfn.control.scaling;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the autoscaler remembers of an app between two decisions.
 *
 * @param panicSince   when the app last went over the panic threshold, while it panics
 * @param panicFloor   the most replicas wanted since the panic began: a panic never scales down
 * @param lastActive   when a call was last seen in flight (the panic window's average above zero)
 * @param recent       the recommendations within the scale-down delay, oldest first
 */
public record ScalingState(Optional<Instant> panicSince, int panicFloor, Instant lastActive, List<Recommendation> recent) {

    public ScalingState {
        recent = List.copyOf(recent);
    }

    /** An app the autoscaler starts to follow at {@code now}: calm, and counted active, so it is not scaled to zero at once. */
    public static ScalingState start(Instant now) {
        return new ScalingState(Optional.empty(), 0, now, List.of());
    }

    /** One recommendation kept for the scale-down delay. */
    public record Recommendation(Instant at, int replicas) {
    }
}
