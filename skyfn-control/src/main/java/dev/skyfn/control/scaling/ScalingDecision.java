package dev.skyfn.control.scaling;

/**
 * One decision of the autoscaler for one app, with the numbers behind it.
 *
 * @param replicas  how many replicas the app should have now
 * @param ready     how many it had
 * @param stable    calls in flight, averaged over the stable window
 * @param panic     calls in flight, averaged over the panic window
 * @param panicking whether the app is in panic mode (scaled on the panic window, never down)
 * @param why       the decision in words, with its numbers
 * @param next      the state to decide from next time
 */
public record ScalingDecision(int replicas, int ready, double stable, double panic, boolean panicking, String why, ScalingState next) {

    /** Whether the decision changes the replica count. */
    public boolean changes() {
        return replicas != ready;
    }
}
