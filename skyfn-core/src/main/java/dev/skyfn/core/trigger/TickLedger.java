package dev.skyfn.core.trigger;

import java.time.Instant;
import java.util.Optional;

/**
 * The last tick each schedule trigger fired, kept where every node firing it reads it: a JetStream
 * bucket in a fleet, a file of the node on one machine. Moved on by compare-and-set, so that of
 * nodes firing one tick at once only one records it.
 */
public interface TickLedger {

    /** The last tick {@code trigger} fired; empty before its first. */
    Optional<Instant> last(String trigger);

    /** Records {@code tick} as the last fired, if the last is still {@code expected}; false when another moved it first. */
    boolean advance(String trigger, Optional<Instant> expected, Instant tick);

    /** Drops what is kept of {@code trigger}, whose app was removed; nothing when nothing is. */
    void forget(String trigger);
}
