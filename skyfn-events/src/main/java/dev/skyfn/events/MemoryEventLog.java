package dev.skyfn.events;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Subjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded default's event log: the node's memory, with the semantics of a JetStream stream
 * and its durable pull consumers (a subscription starts from the events still held that were
 * published since the time it is given; events no subscription wants are not held) — shared subscriptions, acknowledgements, redelivery after the
 * ack wait or a pause, a bound on events out at once, and a publication of an id already seen
 * within {@link #DUPLICATE_WINDOW} dropped. Holds at most {@code maxBytes} of events no
 * subscription has taken yet ({@code TOO_MANY_REQUESTS} beyond); events handed out and not yet
 * acknowledged are kept whatever their size. Gone when the node stops.
 */
public final class MemoryEventLog implements EventLog {

    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);
    /**
     * A subscription nobody holds open and nobody has taken from for this long is forgotten, so
     * that the events it has not read are not held for it: its app was removed, or its trigger
     * changed. One held open is kept however long its calls run (a function may run 15 minutes).
     */
    static final Duration INACTIVE = Duration.ofMinutes(10);

    private final long maxBytes;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Events not yet taken by every subscription, oldest first, by sequence number. */
    private final ArrayDeque<Kept> events = new ArrayDeque<>();
    private final Map<String, Sub> subscriptions = new HashMap<>();
    private final LinkedHashMap<String, Instant> recentIds = new LinkedHashMap<>();
    private long nextSeq = 1;
    private long bytes;

    public MemoryEventLog(long maxBytes, Clock clock) {
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    private record Kept(long seq, Event event) {
    }

    /** One subscription's state: how far it has read, and what it has handed out and not had acknowledged. */
    private static final class Sub {
        final String name;
        final String tenant;
        final String pattern;
        final int partition;
        final Duration ackWait;
        /** As last opened: a new version of a trigger may allow more, or fewer. */
        int maxUnacknowledged;
        /** The handle that takes a key-ordered partition in batches, while it is open: one at a time, as a lease does in a fleet. */
        Object taker;
        long cursor;
        Instant lastTaken;
        /** How many opened handles of it are not closed. */
        int holders;
        /** Deleted: handles still open take nothing more, and do not bring it back. */
        boolean forgotten;
        final TreeMap<Long, Out> pending = new TreeMap<>();

        Sub(String name, String tenant, String pattern, int partition, Duration ackWait, int maxUnacknowledged, long cursor) {
            this.name = name;
            this.tenant = tenant;
            this.pattern = pattern;
            this.partition = partition;
            this.ackWait = ackWait;
            this.maxUnacknowledged = maxUnacknowledged;
            this.cursor = cursor;
        }

        boolean wants(Event e) {
            return e.tenant().equals(tenant) && (partition < 0 || e.partition() == partition) && Subjects.matches(pattern, e.subject());
        }
    }

    /** An event handed out: it may be handed out again from {@code availableAt}. */
    private static final class Out {
        final Event event;
        long deliveries;
        Instant availableAt = Instant.MIN;

        Out(Event event) {
            this.event = event;
        }
    }

    @Override
    public boolean publish(Event event) {
        lock.lock();
        try {
            Instant now = clock.instant();
            recentIds.values().removeIf(at -> at.isBefore(now.minus(DUPLICATE_WINDOW)));
            if (recentIds.putIfAbsent(event.tenant() + ":" + event.id(), now) != null) {
                return false;
            }
            trim();
            if (bytes + event.data().length > maxBytes) {
                recentIds.remove(event.tenant() + ":" + event.id());
                throw new SkyfnException(ErrorCode.TOO_MANY_REQUESTS, "this node holds " + (maxBytes >> 20)
                        + " MiB of events its subscriptions have not taken yet, its limit; retry later");
            }
            events.addLast(new Kept(nextSeq++, event));
            bytes += event.data().length;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait,
                                  int maxUnacknowledged) {
        lock.lock();
        try {
            long from = events.stream().filter(k -> !k.event().time().isBefore(since)).mapToLong(Kept::seq).findFirst().orElse(nextSeq);
            Sub sub = subscriptions.computeIfAbsent(name, n -> new Sub(n, tenant, pattern, partition, ackWait, maxUnacknowledged, from));
            sub.maxUnacknowledged = maxUnacknowledged;
            sub.lastTaken = clock.instant();
            sub.holders++;
            return new Subscription() {
                private boolean closed;

                @Override
                public int take(int max, Duration wait, java.util.function.Consumer<Delivery> each) throws InterruptedException {
                    return MemoryEventLog.this.take(sub, this, max, wait, each);
                }

                @Override
                public void close() {
                    // the subscription stays, as a durable consumer does, for whoever opens it next: forgotten
                    // only once nobody has held it open for a while
                    lock.lock();
                    try {
                        if (!closed) {
                            closed = true;
                            sub.holders--;
                            sub.lastTaken = clock.instant();
                            if (sub.taker == this) {
                                sub.taker = null;
                                changed.signalAll();
                            }
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            };
        } finally {
            lock.unlock();
        }
    }

    private int take(Sub sub, Object handle, int max, Duration wait, java.util.function.Consumer<Delivery> each) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        int handed = 0;
        while (true) {
            List<Delivery> taken = new ArrayList<>();
            long left;
            lock.lock();
            try {
                Instant now = clock.instant();
                sub.lastTaken = now;
                if (sub.forgotten) {
                    return handed;
                }
                subscriptions.putIfAbsent(sub.name, sub);
                boolean exclusive = sub.partition >= 0 && sub.maxUnacknowledged > 1;
                if (exclusive && sub.taker == null) {
                    sub.taker = handle;
                }
                Instant nextAvailable = exclusive && sub.taker != handle ? null : handOut(sub, max - handed, now, taken);
                left = deadline - System.nanoTime();
                if (taken.isEmpty() && left > 0) {
                    long until = nextAvailable == null ? left : Math.min(left, Duration.between(now, nextAvailable).toNanos());
                    changed.await(Math.max(until, 1), TimeUnit.NANOSECONDS);
                }
            } finally {
                lock.unlock();
            }
            // handed on outside the lock: what takes them may publish to this log
            taken.forEach(each);
            handed += taken.size();
            if (handed >= max || left <= 0) {
                return handed;
            }
        }
    }

    /** Hands out, into {@code taken}, events due again then new ones; returns when the next pending one is due again, if any. */
    private Instant handOut(Sub sub, int max, Instant now, List<Delivery> taken) {
        Instant next = null;
        for (Out out : sub.pending.values()) {
            if (taken.size() >= max) {
                break;
            }
            if (!out.availableAt.isAfter(now)) {
                taken.add(deliver(sub, out, now));
            } else if (next == null || out.availableAt.isBefore(next)) {
                next = out.availableAt;
            }
        }
        for (Kept k : events) {
            if (taken.size() >= max || sub.pending.size() >= sub.maxUnacknowledged) {
                break;
            }
            if (k.seq() < sub.cursor) {
                continue;
            }
            sub.cursor = k.seq() + 1;
            if (sub.wants(k.event())) {
                Out out = new Out(k.event());
                sub.pending.put(k.seq(), out);
                taken.add(deliver(sub, out, now));
            }
        }
        trim();
        return next;
    }

    private Delivery deliver(Sub sub, Out out, Instant now) {
        out.deliveries++;
        out.availableAt = now.plus(sub.ackWait);
        long attempt = out.deliveries;
        return new Delivery() {
            @Override
            public Event event() {
                return out.event;
            }

            @Override
            public long attempt() {
                return attempt;
            }

            @Override
            public void ack() {
                lock.lock();
                try {
                    sub.pending.values().remove(out);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void inProgress() {
                retryIn(sub.ackWait);
            }

            @Override
            public void retryIn(Duration pause) {
                lock.lock();
                try {
                    out.availableAt = clock.instant().plus(pause);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    @Override
    public void forget(String name) {
        lock.lock();
        try {
            Sub sub = subscriptions.remove(name);
            if (sub != null) {
                sub.forgotten = true;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets subscriptions nobody takes from any more, and events every subscription has read past. */
    private void trim() {
        Instant idle = clock.instant().minus(INACTIVE);
        subscriptions.values().removeIf(s -> s.holders == 0 && s.lastTaken.isBefore(idle));
        long oldestCursor = subscriptions.values().stream().mapToLong(s -> s.cursor).min().orElse(nextSeq);
        while (!events.isEmpty() && events.peekFirst().seq() < oldestCursor) {
            bytes -= events.removeFirst().event().data().length;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            events.clear();
            bytes = 0;
        } finally {
            lock.unlock();
        }
    }
}
