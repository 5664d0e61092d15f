package dev.skyfn.nats.events;

import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's claim to take a key-ordered partition's events, so that two nodes never run batches
 * of one partition at once (what JetStream's pinned-client priority groups do from server 2.11):
 * an entry of {@link JetStreamEventLog#LEASES}, a bucket whose entries go {@link #TTL} after their
 * last write, created by the holder and renewed by compare-and-set every third of it. A holder
 * that cannot renew for a whole {@code TTL} stops taking events, by then another may hold it;
 * one that dies lets it lapse. A node without the lease takes nothing from the partition.
 */
final class PartitionLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLease.class);

    /** How long a lease lasts unrenewed: the longest a dead holder keeps its partition from others. */
    static final Duration TTL = Duration.ofSeconds(10);
    private static final Base64.Encoder KEY = Base64.getUrlEncoder().withoutPadding();

    private final KeyValue leases;
    private final String key;
    private final byte[] holder;
    private final Thread renewer;
    private long revision;
    /** When the lease was last written by this holder (System.nanoTime), to know when it may have lapsed. */
    private long renewedAt;
    private volatile boolean closed;

    PartitionLease(KeyValue leases, String subscription, String holder) {
        this.leases = leases;
        this.key = KEY.encodeToString(subscription.getBytes(StandardCharsets.UTF_8));
        this.holder = holder.getBytes(StandardCharsets.UTF_8);
        this.renewer = Thread.ofVirtual().name("lease-" + subscription).start(this::renew);
    }

    /** Whether this node holds the lease now, taking it when nobody does; false when JetStream does not answer. */
    synchronized boolean held() {
        if (revision != 0 && System.nanoTime() - renewedAt < TTL.toNanos()) {
            return true;
        }
        revision = 0;
        try {
            KeyValueEntry entry = Js.call("reading the lease of " + key, () -> leases.get(key));
            long taken = entry == null || entry.getValue() == null || entry.getValue().length == 0
                    ? Js.swap(leases, key, holder, entry == null ? 0 : entry.getRevision()) : 0;
            if (taken != 0) {
                revision = taken;
                renewedAt = System.nanoTime();
            }
        } catch (RuntimeException e) {
            LOG.debug("the lease of {} could not be taken: {}", key, e.getMessage());
        }
        return revision != 0;
    }

    private void renew() {
        while (!closed) {
            try {
                Thread.sleep(TTL.dividedBy(3));
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (revision == 0 || closed) {
                    continue;
                }
                try {
                    long next = Js.swap(leases, key, holder, revision);
                    if (next == 0) {
                        LOG.warn("the lease of a key-ordered partition ({}) was taken by another node", key);
                    } else {
                        renewedAt = System.nanoTime();
                    }
                    revision = next;
                } catch (RuntimeException e) {
                    // still held until TTL has passed since the last renewal: held() says so
                    LOG.debug("the lease of {} could not be renewed: {}", key, e.getMessage());
                }
            }
        }
    }

    /** Lets the lease go, for another node to take at once. */
    @Override
    public void close() {
        closed = true;
        renewer.interrupt();
        synchronized (this) {
            if (revision != 0) {
                long held = revision;
                revision = 0;
                try {
                    Js.swap(leases, key, new byte[0], held);
                } catch (RuntimeException e) {
                    // it lapses after TTL
                }
            }
        }
    }
}
