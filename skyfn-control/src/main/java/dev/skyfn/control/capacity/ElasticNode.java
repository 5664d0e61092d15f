package dev.skyfn.control.capacity;

import java.time.Duration;
import java.time.Instant;

/**
 * An elastic node's record, from the request for it to its release: what {@code skyfn nodes}
 * shows, and what its cost is computed from. Its cost accrues at the price of each moment: when
 * its cloud's price moves, what it cost until then is kept ({@code accruedUsd} up to {@code
 * pricedAt}) and the new price runs from there ({@link #repriced}). A node of a serverless pool
 * ({@code perUse}) costs only the time it serves calls: what it cost is added up as it reports
 * that time ({@link #used}), at the price of the moment it is reported.
 *
 * @param node         its name (one of its cloud's elastic nodes)
 * @param cloud        the cloud it came from
 * @param state        where it is in its life
 * @param requestedAt  when the platform asked for it, ISO-8601
 * @param readyAt      when it first heartbeat, ISO-8601, or null
 * @param releasedAt   when it was given back, ISO-8601, or null
 * @param pricePerHour what it costs per hour held since {@code pricedAt}, US dollars (its cloud's
 *                     per-second prices for its size)
 * @param why          why it was asked for, then why it was given back
 * @param accruedUsd   what it cost from its request to {@code pricedAt}, US dollars
 * @param pricedAt     since when {@code pricePerHour} holds, ISO-8601 (its request, or its price's last move)
 * @param perUse       whether it is billed per use, a serverless pool's node: {@code pricePerHour}
 *                     is then per hour it has calls in flight, and {@code accruedUsd} all it cost
 * @param busyMs       how long it had calls in flight as it last reported, ms since its process
 *                     started: what a node billed per use is charged by
 */
public record ElasticNode(String node, String cloud, NodeState state, String requestedAt, String readyAt, String releasedAt,
                          double pricePerHour, String why, double accruedUsd, String pricedAt, boolean perUse, long busyMs) {

    public ElasticNode {
        // records written before prices could move have no pricedAt: their price held from the request
        pricedAt = pricedAt == null ? requestedAt : pricedAt;
    }

    /** A node asked for at {@code requestedAt}, at {@code pricePerHour} held or, when {@code perUse}, busy: nothing accrued yet. */
    public static ElasticNode requested(String node, String cloud, Instant requestedAt, double pricePerHour, boolean perUse, String why) {
        return new ElasticNode(node, cloud, NodeState.REQUESTED, requestedAt.toString(), null, null, pricePerHour, why, 0,
                requestedAt.toString(), perUse, 0);
    }

    /**
     * What it has cost, in US dollars, from its request to its release (or to {@code now} while
     * held); for a node billed per use, what its reported use has cost.
     */
    public double cost(Instant now) {
        if (perUse) {
            return accruedUsd;
        }
        Instant end = releasedAt == null ? now : Instant.parse(releasedAt);
        return accruedUsd + hours(Instant.parse(pricedAt), end) * pricePerHour;
    }

    /**
     * This record with its price moved to {@code perHour} at {@code now}: what it cost at the old
     * price is kept; itself when the price did not move or it is released.
     */
    public ElasticNode repriced(double perHour, Instant now) {
        if (perHour == pricePerHour || releasedAt != null) {
            return this;
        }
        return new ElasticNode(node, cloud, state, requestedAt, readyAt, releasedAt, perHour, why, cost(now), now.toString(),
                perUse, busyMs);
    }

    /**
     * This record after its node reported {@code reportedBusyMs} of calls in flight since its
     * process started. A node billed per use is charged the time added since its last report, at
     * today's price (all of it when its process started again, its count then being lower); a node
     * billed for the time it is held only keeps the count. Itself when nothing was added or it is
     * released.
     */
    public ElasticNode used(long reportedBusyMs) {
        if (reportedBusyMs == busyMs || releasedAt != null) {
            return this;
        }
        long added = reportedBusyMs > busyMs ? reportedBusyMs - busyMs : reportedBusyMs;
        double charged = perUse ? added / 3_600_000.0 * pricePerHour : 0;
        return new ElasticNode(node, cloud, state, requestedAt, readyAt, releasedAt, pricePerHour, why,
                accruedUsd + charged, pricedAt, perUse, reportedBusyMs);
    }

    /** This record after {@code event}, at {@code now}; {@code reason}, when given, is added to its why. */
    public ElasticNode after(NodeLifecycle.Event event, Instant now, String reason) {
        NodeState next = NodeLifecycle.next(state, event);
        return new ElasticNode(node, cloud, next, requestedAt,
                readyAt == null && next == NodeState.READY ? now.toString() : readyAt,
                releasedAt == null && next == NodeState.RELEASED ? now.toString() : releasedAt,
                pricePerHour, reason == null ? why : why + "; then " + reason, accruedUsd, pricedAt, perUse, busyMs);
    }

    private static double hours(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis()) / 3_600_000.0;
    }
}
