package dev.skyfn.events;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Subjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * The embedded default's event log, with the semantics of a JetStream stream and its durable pull
 * consumers (a subscription starts from the events still held that were published since the time
 * it is given; events no subscription wants are not held) — shared subscriptions,
 * acknowledgements, redelivery after the ack wait or a pause, a bound on events out at once, and a
 * publication of an id already seen within {@link #DUPLICATE_WINDOW} dropped. Holds at most
 * {@code maxBytes} of events no subscription has taken yet, a quarter of it of one tenant's
 * ({@code TOO_MANY_REQUESTS} beyond);
 * events handed out and not yet acknowledged are kept whatever their size.
 * <p>
 * {@link #open Opened} on a file, it keeps there what it holds ({@link EventJournal}): a node killed
 * and started again on its data hands out again every event not acknowledged, and its subscriptions
 * read on from where they were; a publication returns once written ({@code UNAVAILABLE} when the
 * disk refuses it). Held in memory only, it is gone when the node stops: an event published with
 * {@link #publishTaken} then tells its publisher when every subscription that wanted it acknowledged
 * it, for the publisher to hold it on its disk until then.
 */
public final class EmbeddedEventLog implements EventLog {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedEventLog.class);

    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);
    /**
     * A subscription nobody holds open and nobody has taken from for this long is forgotten, so
     * that the events it has not read are not held for it: its app was removed, or its trigger
     * changed. One held open is kept however long its calls run (a function may run 15 minutes).
     */
    static final Duration INACTIVE = Duration.ofMinutes(10);

    /**
     * A tenant may hold at most this share of the events not yet taken ({@code maxBytes} / 4): a
     * backlog no function of its own takes leaves the rest of the log to the other tenants.
     */
    static final int TENANT_SHARE = 4;

    private final long maxBytes;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /**
     * Events not yet read past by every subscription of their tenant, by tenant, then by sequence
     * number (a subscription reads on from its cursor among its tenant's): a subscription that does
     * not take holds up its own tenant's events, never another's.
     */
    private final Map<String, TreeMap<Long, Kept>> events = new HashMap<>();
    private final Map<String, Sub> subscriptions = new HashMap<>();
    private final LinkedHashMap<String, Instant> recentIds = new LinkedHashMap<>();
    /** The events published with {@link #publishTaken} not yet acknowledged by every subscription that wanted them, by sequence. */
    private final Map<Long, Watch> watched = new HashMap<>();
    /** Who is handed events as they are kept, at most once ({@link #listen}). */
    private final Listeners listeners = new Listeners();
    /** Where what is held is kept; null: in memory only. */
    private final EventJournal journal;
    /** The journal is rewritten once past this size and twice its size after its last rewrite. */
    private final long compactAt;
    private long compactedSize;
    private long nextSeq = 1;
    private long bytes;
    /** {@link #bytes} by tenant: one tenant's backlog may not fill the log for every other. */
    private final Map<String, Long> bytesByTenant = new HashMap<>();

    /** A log held in memory only. */
    public EmbeddedEventLog(long maxBytes, Clock clock) {
        this(maxBytes, clock, null, 0);
    }

    private EmbeddedEventLog(long maxBytes, Clock clock, EventJournal journal, long compactAt) {
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.journal = journal;
        this.compactAt = compactAt;
    }

    /**
     * A log kept in {@code file} (created when missing), holding what it held there when last used:
     * the events not acknowledged by every subscription that wanted them, and the subscriptions.
     *
     * @param maxBytes as for the log held in memory
     * @throws java.io.UncheckedIOException when the file cannot be read or written
     */
    public static EmbeddedEventLog open(java.nio.file.Path file, long maxBytes, Clock clock) {
        return open(file, maxBytes, clock, 64L << 20);
    }

    /** {@link #open(java.nio.file.Path, long, Clock)}, its journal rewritten once past {@code compactAt} bytes. */
    static EmbeddedEventLog open(java.nio.file.Path file, long maxBytes, Clock clock, long compactAt) {
        EventJournal.Opened opened = EventJournal.open(file);
        var log = new EmbeddedEventLog(maxBytes, clock, opened.journal(), compactAt);
        log.lock.lock();
        try {
            log.recover(opened.recovered());
            log.compact();
        } catch (RuntimeException e) {
            opened.journal().close();
            throw e;
        } finally {
            log.lock.unlock();
        }
        return log;
    }

    /** Takes up what the journal held: each subscription where it was, its events out handed out again at once. */
    private void recover(EventJournal.Recovered held) {
        nextSeq = held.nextSeq();
        Instant now = clock.instant();
        for (EventJournal.SubState s : held.subscriptions().values()) {
            Sub sub = new Sub(s.name(), s.tenant(), s.pattern(), s.partition(), s.ackWait(), s.maxUnacknowledged(), s.cursor());
            sub.lastTaken = now;
            s.pending().stream().sorted().forEach(seq -> {
                Event e = held.events().get(seq);
                if (e != null) {
                    Out out = new Out(seq, e);
                    out.deliveries = s.handed().getOrDefault(seq, 0L);
                    sub.pending.put(seq, out);
                }
            });
            s.handed().forEach((seq, times) -> {
                if (!sub.pending.containsKey(seq)) {
                    sub.handedBefore.put(seq, times);
                }
            });
            sub.acked.addAll(s.acked());
            // read on past what it acknowledged or does not want since its state was written: those are not held again
            for (var next : held.events().tailMap(sub.cursor).entrySet()) {
                if (!sub.acked.remove(next.getKey()) && sub.wants(next.getValue())) {
                    break;
                }
                sub.cursor = next.getKey() + 1;
            }
            subscriptions.put(sub.name, sub);
        }
        held.events().forEach((seq, e) -> hold(new Kept(seq, e)));
        dropReadPast();
        // a publisher retrying what it published before the restart is told it was kept
        held.events().values().forEach(e -> recentIds.put(e.tenant() + ":" + e.id(), now));
    }

    /** Rewrites the journal with only what is still needed. Under the lock. */
    private void compact() {
        java.util.SortedMap<Long, Event> live = new TreeMap<>();
        events.values().forEach(held -> held.values().forEach(k -> live.put(k.seq(), k.event())));
        List<EventJournal.SubState> states = new ArrayList<>();
        for (Sub sub : subscriptions.values()) {
            sub.pending.values().forEach(out -> live.put(out.seq, out.event));
            states.add(state(sub));
        }
        journal.rewrite(live, states);
        compactedSize = journal.size();
    }

    private static EventJournal.SubState state(Sub sub) {
        java.util.Map<Long, Long> handed = new java.util.HashMap<>(sub.handedBefore);
        sub.pending.values().stream().filter(out -> out.deliveries > 0).forEach(out -> handed.put(out.seq, out.deliveries));
        return new EventJournal.SubState(sub.name, sub.tenant, sub.pattern, sub.partition, sub.ackWait, sub.maxUnacknowledged, sub.cursor,
                new java.util.HashSet<>(sub.pending.keySet()), new java.util.HashSet<>(sub.acked), handed);
    }

    /**
     * Writes {@code sub}'s state to the journal, if any: the events published after it are kept for
     * it across a restart only once it is. Under the lock.
     *
     * @throws SkyfnException {@code UNAVAILABLE} when the disk refuses it
     */
    private void keep(Sub sub) {
        if (journal != null) {
            try {
                journal.subscribed(state(sub));
            } catch (java.io.UncheckedIOException e) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "this node could not keep the subscription " + sub.name + " on its disk ("
                        + e.getMessage() + "); retry later");
            }
        }
    }

    /** Writes to the journal what may be lost at worst as an event handed out again; a failure is logged. Under the lock. */
    private void note(java.util.function.Consumer<EventJournal> write, String what) {
        if (journal != null) {
            try {
                write.accept(journal);
            } catch (java.io.UncheckedIOException e) {
                LOG.warn("the event log could not note {} on the node's disk ({}): after a restart, events may be handed out again",
                        what, e.getMessage());
            }
        }
    }

    private record Kept(long seq, Event event) {
    }

    private static final TreeMap<Long, Kept> EMPTY = new TreeMap<>();

    /** Holds {@code k} for its tenant's subscriptions. Under the lock. */
    private void hold(Kept k) {
        events.computeIfAbsent(k.event().tenant(), t -> new TreeMap<>()).put(k.seq(), k);
        count(k.event(), 1);
    }

    /** Lets go of each tenant's events all its subscriptions have read past (all of them for a tenant with none). Under the lock. */
    private void dropReadPast() {
        Map<String, Long> floors = new HashMap<>();
        subscriptions.values().forEach(s -> floors.merge(s.tenant, s.cursor, Math::min));
        for (var it = events.entrySet().iterator(); it.hasNext(); ) {
            var tenant = it.next();
            long floor = floors.getOrDefault(tenant.getKey(), nextSeq);
            TreeMap<Long, Kept> held = tenant.getValue();
            while (!held.isEmpty() && held.firstKey() < floor) {
                count(held.pollFirstEntry().getValue().event(), -1);
            }
            if (held.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Counts {@code e}'s data held ({@code sign} 1) or let go (-1), in all and for its tenant. Under the lock. */
    private void count(Event e, int sign) {
        long n = (long) sign * e.data().length;
        bytes += n;
        bytesByTenant.merge(e.tenant(), n, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** {@code bytes} in whole MiB, or KiB below one. */
    private static String size(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    /** An event whose publisher waits for the subscriptions that wanted it to acknowledge it. */
    private record Watch(java.util.Set<Sub> waitingFor, java.util.concurrent.CompletableFuture<Void> taken) {
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
        /** Events from the cursor on acknowledged before a restart, to skip: they were handed out again before the cursor reached them. */
        final java.util.Set<Long> acked = new java.util.HashSet<>();
        /** How many times events from the cursor on were handed out before a restart: their attempts count on from there. */
        final java.util.Map<Long, Long> handedBefore = new java.util.HashMap<>();
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
        final long seq;
        final Event event;
        long deliveries;
        Instant availableAt = Instant.MIN;

        Out(long seq, Event event) {
            this.seq = seq;
            this.event = event;
        }
    }

    @Override
    public boolean publish(Event event) {
        Kept kept;
        lock.lock();
        try {
            kept = append(event);
        } finally {
            lock.unlock();
        }
        if (kept != null) {
            listeners.hand(event);
        }
        return kept != null;
    }

    /** Hands each event, once kept and unless a duplicate, to one listener of the group on the publisher's thread. */
    @Override
    public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each) {
        return listeners.add(group, tenant, pattern, each);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> publishTaken(Event event) {
        Kept kept;
        java.util.concurrent.CompletableFuture<Void> answer;
        lock.lock();
        try {
            kept = append(event);
            answer = watch(kept, event);
        } finally {
            lock.unlock();
        }
        if (kept != null) {
            listeners.hand(event);
        }
        return answer;
    }

    /** When the publisher of {@code kept} may let it go: once the subscriptions that want it acknowledged it. Under the lock. */
    private java.util.concurrent.CompletableFuture<Void> watch(Kept kept, Event event) {
        java.util.Set<Sub> wanting = new java.util.HashSet<>();
        if (kept != null && journal == null) {
            subscriptions.values().stream().filter(s -> s.wants(event)).forEach(wanting::add);
        }
        if (wanting.isEmpty()) {
            // kept on disk; or a duplicate, whose first publication is waited for by its own publisher
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        Watch watch = new Watch(wanting, new java.util.concurrent.CompletableFuture<>());
        watched.put(kept.seq(), watch);
        return watch.taken();
    }

    /** Keeps {@code event} for the subscriptions; null for a duplicate. Under the lock. */
    private Kept append(Event event) {
        Instant now = clock.instant();
        // oldest first: only the ids past the window are looked at
        Instant forgotten = now.minus(DUPLICATE_WINDOW);
        for (var it = recentIds.values().iterator(); it.hasNext() && it.next().isBefore(forgotten); ) {
            it.remove();
        }
        if (recentIds.putIfAbsent(event.tenant() + ":" + event.id(), now) != null) {
            return null;
        }
        trim();
        if (bytes + event.data().length > maxBytes) {
            recentIds.remove(event.tenant() + ":" + event.id());
            throw new SkyfnException(ErrorCode.TOO_MANY_REQUESTS, "this node holds " + (maxBytes >> 20)
                    + " MiB of events its subscriptions have not taken yet, its limit; retry later");
        }
        long ofTenant = bytesByTenant.getOrDefault(event.tenant(), 0L);
        if (ofTenant + event.data().length > maxBytes / TENANT_SHARE) {
            recentIds.remove(event.tenant() + ":" + event.id());
            throw new SkyfnException(ErrorCode.TOO_MANY_REQUESTS, "this node holds " + size(ofTenant) + " of tenant " + event.tenant()
                    + "'s events its subscriptions have not taken yet; with this one it would pass a tenant's limit of "
                    + size(maxBytes / TENANT_SHARE) + "; retry later");
        }
        Kept kept = new Kept(nextSeq, event);
        if (journal != null) {
            try {
                journal.event(kept.seq(), event);
            } catch (java.io.UncheckedIOException e) {
                recentIds.remove(event.tenant() + ":" + event.id());
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "this node could not keep the event on its disk ("
                        + e.getMessage() + "); retry later");
            } catch (IllegalArgumentException e) {
                recentIds.remove(event.tenant() + ":" + event.id());
                throw new SkyfnException(ErrorCode.PAYLOAD_TOO_LARGE, "the event is too large: " + e.getMessage());
            }
        }
        nextSeq++;
        hold(kept);
        changed.signalAll();
        return kept;
    }

    /**
     * Notes that {@code sub} is done with the event {@code seq} (acknowledged it, or was
     * forgotten); the publishers to tell, once the lock is let go (what they do next may publish).
     */
    private void doneWith(Sub sub, long seq, List<java.util.concurrent.CompletableFuture<Void>> tell) {
        Watch watch = watched.get(seq);
        if (watch != null && watch.waitingFor().remove(sub) && watch.waitingFor().isEmpty()) {
            watched.remove(seq);
            tell.add(watch.taken());
        }
    }

    /** Notes that {@code gone} takes nothing any more: the events it was wanted for wait for it no longer. */
    private void gone(Sub gone, List<java.util.concurrent.CompletableFuture<Void>> tell) {
        for (Long seq : List.copyOf(watched.keySet())) {
            doneWith(gone, seq, tell);
        }
    }

    private static void tell(List<java.util.concurrent.CompletableFuture<Void>> publishers) {
        publishers.forEach(f -> f.complete(null));
    }

    @Override
    public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait,
                                  int maxUnacknowledged) {
        lock.lock();
        try {
            long from = events.getOrDefault(tenant, EMPTY).values().stream().filter(k -> !k.event().time().isBefore(since)).mapToLong(Kept::seq)
                    .findFirst().orElse(nextSeq);
            Sub existing = subscriptions.get(name);
            Sub sub = existing != null ? existing : new Sub(name, tenant, pattern, partition, ackWait, maxUnacknowledged, from);
            if (existing == null) {
                keep(sub);
                subscriptions.put(name, sub);
            } else if (sub.maxUnacknowledged != maxUnacknowledged) {
                sub.maxUnacknowledged = maxUnacknowledged;
                // not kept, the bound it had is taken up after a restart, until it is opened again
                note(j -> j.subscribed(state(sub)), "the new bound of the subscription " + name);
            }
            sub.lastTaken = clock.instant();
            sub.holders++;
            return new Subscription() {
                private boolean closed;

                @Override
                public int take(int max, Duration wait, java.util.function.Consumer<Delivery> each) throws InterruptedException {
                    return EmbeddedEventLog.this.take(sub, this, max, wait, each);
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
                if (!subscriptions.containsKey(sub.name)) {
                    keep(sub);
                    subscriptions.put(sub.name, sub);
                }
                boolean exclusive = EventLog.exclusive(sub.partition, sub.maxUnacknowledged);
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
        List<Out> outs = new ArrayList<>();
        Instant next = handOut(sub, max, now, taken, outs);
        if (!outs.isEmpty()) {
            long[] seqs = new long[outs.size()];
            long[] times = new long[outs.size()];
            for (int i = 0; i < seqs.length; i++) {
                seqs[i] = outs.get(i).seq;
                times[i] = outs.get(i).deliveries;
            }
            // one frame a take: a restart counts these attempts on rather than afresh
            note(j -> j.handedOut(sub.name, seqs, times), "how often events were handed out");
        }
        return next;
    }

    private Instant handOut(Sub sub, int max, Instant now, List<Delivery> taken, List<Out> outs) {
        Instant next = null;
        for (Out out : sub.pending.values()) {
            if (taken.size() >= max) {
                break;
            }
            if (!out.availableAt.isAfter(now)) {
                taken.add(deliver(sub, out, now));
                outs.add(out);
            } else if (next == null || out.availableAt.isBefore(next)) {
                next = out.availableAt;
            }
        }
        // a key-ordered partition taken in batches: nothing after an event still out or resting before it is handed out again
        boolean held = EventLog.exclusive(sub.partition, sub.maxUnacknowledged) && next != null;
        for (Kept k : events.getOrDefault(sub.tenant, EMPTY).tailMap(sub.cursor).values()) {
            if (held || taken.size() >= max || sub.pending.size() >= sub.maxUnacknowledged) {
                break;
            }
            if (k.seq() < sub.cursor) {
                continue;
            }
            sub.cursor = k.seq() + 1;
            if (!sub.acked.remove(k.seq()) && sub.wants(k.event())) {
                Out out = new Out(k.seq(), k.event());
                Long before = sub.handedBefore.remove(k.seq());
                out.deliveries = before == null ? 0 : before;
                sub.pending.put(k.seq(), out);
                taken.add(deliver(sub, out, now));
                outs.add(out);
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
                List<java.util.concurrent.CompletableFuture<Void>> tell = new ArrayList<>();
                lock.lock();
                try {
                    if (sub.pending.remove(out.seq, out)) {
                        doneWith(sub, out.seq, tell);
                        note(j -> j.acked(sub.name, out.seq), "an acknowledgement");
                    }
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                tell(tell);
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
        List<java.util.concurrent.CompletableFuture<Void>> tell = new ArrayList<>();
        lock.lock();
        try {
            Sub sub = subscriptions.remove(name);
            if (sub != null) {
                sub.forgotten = true;
                note(j -> j.forgot(name), "that the subscription " + name + " is gone");
                gone(sub, tell);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        tell(tell);
    }

    /**
     * Forgets subscriptions nobody takes from any more — the events published with {@link
     * #publishTaken} wait for them no longer — and events every subscription has read past.
     */
    private void trim() {
        Instant idle = clock.instant().minus(INACTIVE);
        List<Sub> idleSubs = subscriptions.values().stream().filter(s -> s.holders == 0 && s.lastTaken.isBefore(idle)).toList();
        if (!idleSubs.isEmpty()) {
            List<java.util.concurrent.CompletableFuture<Void>> tell = new ArrayList<>();
            idleSubs.forEach(s -> {
                subscriptions.remove(s.name);
                note(j -> j.forgot(s.name), "that the subscription " + s.name + " is gone");
                gone(s, tell);
            });
            // under the lock: completing here only lets the publisher's own thread go on later
            tell.forEach(f -> Thread.ofVirtual().start(() -> f.complete(null)));
        }
        dropReadPast();
        if (journal != null && (journal.broken() || journal.size() > Math.max(compactAt, 2 * compactedSize))) {
            try {
                compact();
            } catch (java.io.UncheckedIOException e) {
                compactedSize = journal.size();
                LOG.warn("the event log could not rewrite its file ({}); it grows until it can", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            events.clear();
            bytes = 0;
            bytesByTenant.clear();
            if (journal != null) {
                journal.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
