package dev.skyfn.control.placement;

import java.time.Instant;

/**
 * The last change of an app's placement in force, and the decision behind it: its deployment, the
 * autoscaler's count, a move for price, a lost node's replicas placed again.
 *
 * @param why the decision with the numbers it used (prices, concurrency), for a person to read
 */
public record PlacementChange(Instant at, String why) {
}
