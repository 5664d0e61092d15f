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
 * partition; the first to take a free one keeps it while it runs.
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
    private final byte[] holder;
    private final Thread renewer;
    private long revision;
    /** When the last write of the lease that the server kept was sent (System.nanoTime). */
    private long sentAt;
    private boolean closed;

    PartitionLease(KeyValue leases, String subscription, String holder) {
        this.leases = leases;
        this.key = KEY.encodeToString(subscription.getBytes(StandardCharsets.UTF_8));
        this.holder = holder.getBytes(StandardCharsets.UTF_8);
        this.renewer = Thread.ofVirtual().name("lease-" + subscription).start(this::renew);
    }

    /** Whether this node holds the lease now, taking it when nobody does; false when JetStream does not answer. */
    synchronized boolean held() {
        if (closed) {
            return false;
        }
        if (revision != 0 && System.nanoTime() - sentAt < TTL.minus(MARGIN).toNanos()) {
            return true;
        }
        revision = 0;
        try {
            KeyValueEntry entry = Js.call("reading the lease of " + key, () -> leases.get(key));
            byte[] value = entry == null ? null : entry.getValue();
            // free, or still this holder's: a renewal kept though its answer was lost leaves the entry ours
            if (value == null || value.length == 0 || Arrays.equals(value, holder)) {
                write(entry == null ? 0 : entry.getRevision());
            }
        } catch (RuntimeException e) {
            LOG.debug("the lease of {} could not be taken: {}", key, e.getMessage());
        }
        return revision != 0;
    }

    /** Writes the lease as this holder's if it is at {@code at} (0: absent); revision 0 when it was not. */
    private void write(long at) {
        long sending = System.nanoTime();
        revision = Js.swap(leases, key, holder, at);
        if (revision != 0) {
            sentAt = sending;
        }
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
                try {
                    Js.swap(leases, key, new byte[0], revision);
                } catch (RuntimeException e) {
                    // it lapses after TTL
                }
                revision = 0;
            }
        }
        renewer.interrupt();
    }
}
