package dev.skyfn.nats.nodes;

import java.time.Duration;

/**
 * When a node counts as dead: silent for {@code deadAfter} while this observer was watching. An
 * observer that was itself stalled — stopped by the OS, a long pause of its JVM, a frozen VM — was
 * not watching, so the silence it slept through does not count: after a stall every node gets a
 * full {@code deadAfter} again before it is judged. Without this, a node waking from a pause longer
 * than {@code deadAfter} finds every heartbeat stale, itself included, and takes the whole fleet
 * for dead. The same idea as Lifeguard's local health awareness (Dadgar et al., "Lifeguard: Local
 * Health Awareness for More Accurate Failure Detection", 2018): a slow observer doubts itself
 * before it accuses others.
 *
 * <p>Times are {@link System#nanoTime()} values of this process.
 */
final class Watch {

    private final long deadAfter;
    private final long stall;
    private long lastLook;
    private long since;

    /**
     * @param deadAfter how long a node may be silent while watched
     * @param stall a gap between two looks longer than this means the observer was not watching
     * @param start when watching started (ns)
     */
    Watch(Duration deadAfter, Duration stall, long start) {
        this.deadAfter = deadAfter.toNanos();
        this.stall = stall.toNanos();
        this.lastLook = start;
        this.since = start;
    }

    /** Notes a look at {@code now} (ns); after a gap longer than the stall, watching starts again. */
    void look(long now) {
        if (now - lastLook > stall) {
            since = now;
        }
        lastLook = now;
    }

    /**
     * Starts watching again at {@code now} (ns): this observer was cut off until now, and the
     * silence of the others while it was is not theirs; nor is the time their heartbeats take to
     * find it again (links between clouds come back one by one).
     */
    void rejoin(long now) {
        since = now;
    }

    /** Whether a node last heard at {@code heardAt} (ns) has been silent too long, as of the last look. */
    boolean dead(long heardAt) {
        return lastLook - Math.max(heardAt, since) > deadAfter;
    }

    /**
     * Whether this observer, whose own heartbeat it last heard at {@code selfHeardAt} (ns), is cut
     * off: silent to itself for half of {@code deadAfter}. Half, so that a link that goes down is
     * noticed before any other node's silence reaches {@code deadAfter}.
     */
    boolean cutOff(long selfHeardAt) {
        return lastLook - Math.max(selfHeardAt, since) > deadAfter / 2;
    }
}
