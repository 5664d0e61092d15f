package dev.skyfn.nats.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's lane of a key-ordered partition taken in batches: its events are taken only under
 * the partition's {@link PartitionLease}, one batch after the other, so that they run in the order
 * published although JetStream lets a batch's worth of them out at once. JetStream hands out an
 * event that comes back (its ack wait over, or handed back) before any later one, but a later one
 * before an earlier one still out; so nothing of the partition is taken while an earlier event is
 * out elsewhere:
 * <ul>
 * <li>an event whose call failed is handed back at once, the server's answer awaited, and the
 *     lane rests for its back-off holding the lease — then it is the first taken. (Handed back
 *     with a delay, it would leave room for later events to be handed out before it.)</li>
 * <li>a lease taken while JetStream counts events of the partition out — with a node that died
 *     under a batch — is used only once they are due again, one ack wait on; they are then the
 *     first taken.</li>
 * </ul>
 */
final class LeasedPartition implements EventLog.Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedPartition.class);

    /** An event that can be handed back at once, with the server's word that it was. */
    interface Handed extends EventLog.Delivery {
        /** Hands the event back for the next request to take first; whether the server said it did. */
        boolean handBackNow();
    }

    private final PartitionLease lease;
    private final EventLog.Subscription events;
    private final Duration ackWait;
    private final BooleanSupplier eventsOut;
    private final Runnable closed;
    /** The events taken here and out: the lease is let go only once none is. */
    private final Set<Out> out = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Until when (System.nanoTime) the lane takes nothing though it holds the lease. */
    private volatile long restUntil = System.nanoTime();

    /**
     * @param events    the partition's subscription, unleased
     * @param eventsOut whether JetStream counts events of the partition out (handed to a node, not acknowledged)
     * @param closed    run once the lease is let go at close
     */
    LeasedPartition(PartitionLease lease, EventLog.Subscription events, Duration ackWait, BooleanSupplier eventsOut, Runnable closed) {
        this.lease = lease;
        this.events = events;
        this.ackWait = ackWait;
        this.eventsOut = eventsOut;
        this.closed = closed;
    }

    @Override
    public int take(int max, Duration wait, java.util.function.Consumer<EventLog.Delivery> each) throws InterruptedException {
        // resting, the lease is kept: let go, the next holder would take what rests before its back-off
        if (!lease.held(Out.none(out, ackWait) && !resting())) {
            Thread.sleep(wait);
            return 0;
        }
        if (lease.takenAfresh() && outElsewhere()) {
            restFor(ackWait.plus(ackWait.dividedBy(10)));
            LOG.info("a key-ordered partition taken while events of it are out elsewhere: taken from in {} ms, once they are due again",
                    ackWait.plus(ackWait.dividedBy(10)).toMillis());
        }
        long rest = restUntil - System.nanoTime();
        if (rest > 0) {
            Thread.sleep(Duration.ofNanos(Math.min(rest, wait.toNanos())));
            return 0;
        }
        return events.take(max, wait, d -> each.accept(new Out(d)));
    }

    private boolean resting() {
        return restUntil - System.nanoTime() > 0;
    }

    private void restFor(Duration pause) {
        long until = System.nanoTime() + pause.toNanos();
        if (until - restUntil > 0) {
            restUntil = until;
        }
    }

    /** Whether events are out elsewhere; so taken when JetStream does not say. */
    private boolean outElsewhere() {
        try {
            return eventsOut.getAsBoolean();
        } catch (RuntimeException unanswered) {
            return true;
        }
    }

    @Override
    public void stopping() {
        lease.stop();
    }

    @Override
    public void close() {
        lease.close();
        closed.run();
        events.close();
    }

    /** An event of the partition out on this node, until acknowledged or handed back. */
    private final class Out implements EventLog.Delivery {
        private final EventLog.Delivery d;
        /** When it was handed out, or last said in progress (System.nanoTime). */
        private volatile long since = System.nanoTime();

        Out(EventLog.Delivery d) {
            this.d = d;
            out.add(this);
        }

        /** Whether none is out: acknowledged, handed back, or out for longer than the ack wait (JetStream hands it out again). */
        static boolean none(Set<Out> out, Duration ackWait) {
            long now = System.nanoTime();
            out.removeIf(o -> now - o.since > ackWait.toNanos());
            return out.isEmpty();
        }

        @Override
        public Event event() {
            return d.event();
        }

        @Override
        public long attempt() {
            return d.attempt();
        }

        @Override
        public void ack() {
            d.ack();
            out.remove(this);
        }

        @Override
        public void inProgress() {
            d.inProgress();
            since = System.nanoTime();
        }

        /** Handed back now, the lane resting for {@code pause}; unanswered, it rests until the event is due again anyway. */
        @Override
        public void retryIn(Duration pause) {
            boolean back = d instanceof Handed h && h.handBackNow();
            restFor(back ? pause : ackWait.plus(ackWait.dividedBy(10)).plus(pause));
            out.remove(this);
        }
    }
}
