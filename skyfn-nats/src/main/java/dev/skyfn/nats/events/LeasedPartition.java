package dev.skyfn.nats.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import java.time.Duration;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's lane of a key-ordered partition taken in batches: its events are taken only under
 * the partition's {@link PartitionLease}, one batch after the other, so that they run in the order
 * published although JetStream lets a batch's worth of them out at once. JetStream hands out the
 * events that come back (their ack wait over, or handed back) before any new one, but in the order
 * they came back, and a new one before an earlier one still out elsewhere; so:
 * <ul>
 * <li>the events each request brings are handed on in the order published (by stream sequence):
 *     an event that reached a node which had just died came back at once, before the earlier
 *     events out there, which come back only after their ack wait;</li>
 * <li>an event whose call failed is handed back at once, the server's answer awaited, and the
 *     lane rests for its back-off holding the lease — then it is the first taken (handed back with
 *     a delay, it would leave room for later events to be handed out before it);</li>
 * <li>a lease just taken is used only once nothing of the partition is out elsewhere: what has
 *     come back is taken at once, in order, and when events are still out (with a node that died
 *     under a batch) they are awaited, until they are due again, and taken together with it.</li>
 * </ul>
 */
final class LeasedPartition implements EventLog.Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedPartition.class);

    /** An event that can be handed back at once, with the server's word that it was. */
    interface Handed extends EventLog.Delivery {
        /** Hands the event back for the next request to take first; whether the server said it did. */
        boolean handBackNow();

        /** Its place in the stream: the order it was published in. */
        long sequence();
    }

    private static final java.util.Comparator<EventLog.Delivery> PUBLISHED =
            java.util.Comparator.comparingLong(d -> d instanceof Handed h ? h.sequence() : 0);
    /** How much later than due events out elsewhere are looked for again. */
    private static final Duration MARGIN = Duration.ofSeconds(1);
    /** How long a lane just given the lease waits for the events that came back: they come at once. */
    private static final Duration CATCH_UP = Duration.ofMillis(200);

    private final PartitionLease lease;
    private final EventLog.Subscription events;
    private final Duration ackWait;
    private final int room;
    private final java.util.function.IntSupplier eventsOut;
    private final Runnable closed;
    /** The events taken here and out: the lease is let go only once none is. */
    private final Set<Out> out = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Until when (System.nanoTime) the lane takes nothing though it holds the lease. */
    private volatile long restUntil = System.nanoTime();
    /** The lease was taken and nothing taken since: events may be out elsewhere. */
    private boolean catchingUp;
    /** Taken from JetStream, in the order published, not yet handed on: its lane's thread's alone. */
    private final java.util.ArrayDeque<Out> held = new java.util.ArrayDeque<>();

    /**
     * @param events    the partition's subscription, unleased
     * @param room      how many of its events JetStream lets out at once (the batch's size)
     * @param eventsOut how many events of the partition JetStream counts out (handed to a node, not acknowledged)
     * @param closed    run once the lease is let go at close
     */
    LeasedPartition(PartitionLease lease, EventLog.Subscription events, Duration ackWait, int room,
                    java.util.function.IntSupplier eventsOut, Runnable closed) {
        this.lease = lease;
        this.events = events;
        this.ackWait = ackWait;
        this.room = room;
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
        if (lease.takenAfresh()) {
            catchingUp = true;
        }
        long rest = restUntil - System.nanoTime();
        if (rest > 0) {
            Thread.sleep(Duration.ofNanos(Math.min(rest, wait.toNanos())));
            return 0;
        }
        if (catchingUp && !caughtUp()) {
            return 0;
        }
        if (held.isEmpty()) {
            hold(max, wait);
        }
        int n = 0;
        for (; n < max && !held.isEmpty(); n++) {
            each.accept(held.poll());
        }
        return n;
    }

    /** Takes up to {@code max} events from JetStream into {@link #held}, in the order published. */
    private void hold(int max, Duration wait) throws InterruptedException {
        List<EventLog.Delivery> got = new ArrayList<>();
        events.take(max, wait, got::add);
        got.sort(PUBLISHED);
        got.forEach(d -> held.add(new Out(d)));
    }

    /**
     * Whether the lease just taken may be used: nothing of the partition is out elsewhere once what
     * came back is taken (into {@link #held}). Else what came back is handed back and the lane rests
     * until the rest is due again too.
     */
    private boolean caughtUp() throws InterruptedException {
        if (outCount() == 0) {
            catchingUp = false;
            return true;
        }
        hold(room, CATCH_UP);
        if (outCount() <= held.size()) {
            catchingUp = false;
            return true;
        }
        handBackHeld();
        Duration dueIn = dueIn();
        restFor(dueIn);
        LOG.info("a key-ordered partition taken while events of it are out elsewhere: looked at again in {} ms, once they are due again",
                dueIn.toMillis());
        return false;
    }

    /**
     * How long after a lease was taken the events its last holder left out are due again, if it
     * died: it renewed the lease at most a third of its TTL before, so it died at least two thirds of
     * a TTL before the lease lapsed, and its events are due an ack wait after it died; a second
     * more, and a second at least. Still out then (their holder alive), they are waited for again.
     */
    private Duration dueIn() {
        Duration due = ackWait.minus(PartitionLease.TTL.multipliedBy(2).dividedBy(3)).plus(MARGIN);
        return due.compareTo(MARGIN) < 0 ? MARGIN : due;
    }

    /** How many events of the partition JetStream counts out; more than any when it does not say. */
    private int outCount() {
        try {
            return eventsOut.getAsInt();
        } catch (RuntimeException unanswered) {
            return Integer.MAX_VALUE;
        }
    }

    /** Hands back, in the order published, what was taken and not handed on. */
    private void handBackHeld() {
        for (Out o = held.poll(); o != null; o = held.poll()) {
            if (!(o.d instanceof Handed h && h.handBackNow())) {
                o.d.retryIn(Duration.ZERO);
            }
            out.remove(o);
        }
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

    @Override
    public void stopping() {
        lease.stop();
    }

    @Override
    public void close() {
        // what the node still holds handed back first: the next holder takes it before what follows
        handBackHeld();
        events.close();
        lease.close();
        closed.run();
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
