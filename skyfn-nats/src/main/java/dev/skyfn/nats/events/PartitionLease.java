package dev.skyfn.nats.events;

import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's claim to take a key-ordered partition's events, so that two nodes never run batches
 * of one partition at once (what JetStream's pinned-client priority groups do from server 2.11):
 * an entry of {@link JetStreamEventLog#LEASES}, a bucket whose entries go {@link #TTL} after their
 * last write, created by the holder and renewed by compare-and-set every third of it. A holder
 * that cannot renew stops counting on it {@link #MARGIN} before it would lapse, before another
 * may take it; one that dies lets it lapse. A node without the lease takes nothing from the
 * partition. A node takes a free one while it holds fewer than its share of the trigger's
 * partitions, and lets one go when its {@link LeaseGroup} finds it above its share: it takes no
 * more events of it from then, lets it go once none it took is still out (acknowledged, handed
 * back, or out longer than the ack wait) — between two batches, never under one running — and
 * leaves it to the others for a {@link #TTL}.
 */
final class PartitionLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLease.class);

    /** How long a lease lasts unrenewed: the longest a dead holder keeps its partition from others. */
    static final Duration TTL = Duration.ofSeconds(10);
    /**
     * How long before the lease would lapse at the server this holder stops counting on it: a write
     * is kept by the server after it was sent, and a request for events taken as the lease holds
     * may still bring them for up to its wait (a second, or a batch's window in pieces).
     */
    private static final Duration MARGIN = Duration.ofSeconds(4);
    private static final Base64.Encoder KEY = Base64.getUrlEncoder().withoutPadding();

    private final KeyValue leases;
    private final String key;
    private final int partition;
    private final LeaseGroup group;
    private final byte[] holder;
    private final Thread renewer;
    private long revision;
    /** Whether {@link #revision} is a lease taken: read by the group without this lease's monitor. */
    private volatile boolean holding;
    /** Set by the group: let the lease go when the lane next asks for events. */
    private volatile boolean letGo;
    /** Until when (System.nanoTime) a lease let go is left to the other nodes. */
    private long restUntil = System.nanoTime();
    /** Its lane takes nothing more: the lease is held until it closes, and counts this node out meanwhile. */
    private volatile boolean stopping;
    /** When the last write of the lease that the server kept was sent (System.nanoTime). */
    private long sentAt;
    private boolean closed;
    /** Taken since {@link #takenAfresh()} last asked. */
    private boolean fresh;

    /**
     * @param subscription the partition's subscription: the lease's entry is named after it
     * @param group        this node's leases of the trigger's partitions, {@code this} one joins it
     */
    PartitionLease(KeyValue leases, String subscription, int partition, LeaseGroup group, String holder) {
        this.leases = leases;
        this.key = KEY.encodeToString(subscription.getBytes(StandardCharsets.UTF_8));
        this.partition = partition;
        this.group = group;
        this.holder = holder.getBytes(StandardCharsets.UTF_8);
        group.add(this);
        this.renewer = Thread.ofVirtual().name("lease-" + subscription).start(this::renew);
    }

    int partition() {
        return partition;
    }

    /** Whether the lease is taken, as last written (a renewal refused or lapsed ends it). */
    boolean holding() {
        return holding;
    }

    LeaseGroup group() {
        return group;
    }

    boolean stopping() {
        return stopping;
    }

    /** Has the lease let go once no event of it is out: this node holds more than its share. */
    void letGo() {
        letGo = true;
    }

    /** Its lane takes nothing more and closes once its calls end: its node is counted out of the group now. */
    void stop() {
        stopping = true;
        group.memberStopping();
    }

    /**
     * Whether this node may take the partition's events now: it holds the lease, taking it when
     * nobody does and this node holds fewer than its share; false when JetStream does not answer.
     * Called by the partition's lane before each request for events; {@code idle}: no event it took
     * is still out, the moment a lease to let go is let go.
     */
    synchronized boolean held(boolean idle) {
        if (closed || stopping) {
            return false;
        }
        if (letGo) {
            if (revision == 0) {
                letGo = false;
            } else if (!idle) {
                return false;
            } else {
                letGo = false;
                release();
                restUntil = System.nanoTime() + TTL.toNanos();
                LOG.info("the lease of a key-ordered partition ({}) let go: this node holds more than its share", key);
                return false;
            }
        }
        if (revision != 0 && System.nanoTime() - sentAt < TTL.minus(MARGIN).toNanos()) {
            return true;
        }
        revision = 0;
        holding = false;
        if (System.nanoTime() - restUntil < 0) {
            return false;
        }
        // the node's lanes take one at a time, each counting those taken before it
        synchronized (group) {
            if (group.held() >= group.share()) {
                return false;
            }
            try {
                KeyValueEntry entry = Js.call("reading the lease of " + key, () -> leases.get(key));
                byte[] value = entry == null ? null : entry.getValue();
                // free, or still this holder's: a renewal kept though its answer was lost leaves the entry ours
                if (value == null || value.length == 0 || Arrays.equals(value, holder)) {
                    write(entry == null ? 0 : entry.getRevision());
                    fresh = revision != 0;
                }
            } catch (RuntimeException e) {
                LOG.debug("the lease of {} could not be taken: {}", key, e.getMessage());
            }
        }
        return revision != 0;
    }

    /**
     * Whether the lease was taken since this was last asked: by then the last holder may have left
     * events of the partition out (it died under a batch).
     */
    synchronized boolean takenAfresh() {
        boolean taken = fresh;
        fresh = false;
        return taken;
    }

    /** Writes the lease as this holder's if it is at {@code at} (0: absent); revision 0 when it was not. */
    private void write(long at) {
        long sending = System.nanoTime();
        revision = Js.swap(leases, key, holder, at);
        holding = revision != 0;
        if (revision != 0) {
            sentAt = sending;
        }
    }

    /** Empties the entry, for another node to take it at once; it lapses after {@link #TTL} if JetStream does not answer. */
    private void release() {
        try {
            Js.swap(leases, key, new byte[0], revision);
        } catch (RuntimeException e) {
            LOG.debug("the lease of {} could not be let go: {}", key, e.getMessage());
        }
        revision = 0;
        holding = false;
    }

    private void renew() {
        while (true) {
            try {
                Thread.sleep(TTL.dividedBy(3));
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (revision == 0) {
                    continue;
                }
                try {
                    write(revision);
                    if (revision == 0) {
                        LOG.info("the lease of a key-ordered partition ({}) was refused a renewal; taken again when free", key);
                    }
                } catch (RuntimeException e) {
                    // held until MARGIN before it would lapse: held() says so
                    LOG.debug("the lease of {} could not be renewed: {}", key, e.getMessage());
                }
            }
        }
    }

    /** Lets the lease go, for another node to take at once. */
    @Override
    public void close() {
        synchronized (this) {
            // no renewal is on its way while this holds the monitor: the revision is the server's
            closed = true;
            if (revision != 0) {
                release();
            }
        }
        renewer.interrupt();
    }
}
