package dev.skyfn.control.capacity;

import java.time.Duration;
import java.time.Instant;

/**
 * An elastic node's record, from the request for it to its release: what {@code skyfn nodes}
 * shows, and what its cost is computed from.
 *
 * @param node         its name (one of its cloud's elastic nodes)
 * @param cloud        the cloud it came from
 * @param state        where it is in its life
 * @param requestedAt  when the platform asked for it, ISO-8601
 * @param readyAt      when it first heartbeat, ISO-8601, or null
 * @param releasedAt   when it was given back, ISO-8601, or null
 * @param pricePerHour what it costs per hour held, US dollars (its cloud's per-second prices for its size)
 * @param why          why it was asked for, then why it was given back
 */
public record ElasticNode(String node, String cloud, NodeState state, String requestedAt, String readyAt, String releasedAt,
                          double pricePerHour, String why) {

    /** What it has cost, in US dollars, from its request to its release (or to {@code now} while held). */
    public double cost(Instant now) {
        Instant end = releasedAt == null ? now : Instant.parse(releasedAt);
        double hours = Math.max(0, Duration.between(Instant.parse(requestedAt), end).toMillis()) / 3_600_000.0;
        return hours * pricePerHour;
    }

    /** This record after {@code event}, at {@code now}; {@code reason}, when given, is added to its why. */
    public ElasticNode after(NodeLifecycle.Event event, Instant now, String reason) {
        NodeState next = NodeLifecycle.next(state, event);
        return new ElasticNode(node, cloud, next, requestedAt,
                readyAt == null && next == NodeState.READY ? now.toString() : readyAt,
                releasedAt == null && next == NodeState.RELEASED ? now.toString() : releasedAt,
                pricePerHour, reason == null ? why : why + "; then " + reason);
    }
}
