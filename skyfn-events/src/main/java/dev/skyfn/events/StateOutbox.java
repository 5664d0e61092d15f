package dev.skyfn.events;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state changes a node is making, kept on its disk until their events are kept by the event
 * log (a transactional outbox): a change is held before its write, marked made once the write is,
 * and let go once its event is published — once kept, by JetStream or the embedded log on its file;
 * by an embedded log held in memory only, once the triggers that wanted it acknowledged it — so that neither a log refusing for
 * a while (JetStream out of reach, the embedded log full) nor the node's process dying between a
 * write and its trigger's call loses the change's event. The writer is not kept waiting for a refusing log: its
 * change is published later, in the order made, every change made after it waiting behind it.
 *
 * <p>A node started again with the same file publishes what it had not: the changes it had made,
 * and those held whose write it may or may not have made — each of these only if the key holds
 * the value it was to be given (else the write was not made, or was overwritten, and the next
 * change's {@code oldValue} says what the key held). An event published twice (a publication that
 * was kept though it seemed to fail) is dropped by its id within the log's two minutes.
 */
public final class StateOutbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateOutbox.class);

    /** Bytes of events held at most; beyond, a write is refused (503 {@code UNAVAILABLE}) before it is made. */
    static final long MAX_HELD_BYTES = 64L << 20;
    /**
     * Bytes of one app's events held at most: an app whose triggers fall behind (on one machine a
     * change is held until they took it) has its own writes refused, not every app's on the node.
     */
    static final long MAX_APP_HELD_BYTES = MAX_HELD_BYTES / 4;
    /** The file is emptied once nothing in it is needed and it has grown past this: not at every change, which costs a system call. */
    static final long CLEAR_BYTES = 1L << 20;
    /** The file is rewritten with only what it still holds once it grows past this. */
    static final long COMPACT_BYTES = 16L << 20;
    static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    static final Duration LAST_PAUSE = Duration.ofSeconds(5);
    /**
     * How long a write that failed in a way that may have made it is given to land before the key's
     * value is read to tell: a write refused by a timeout may still be kept a moment later.
     */
    static final Duration SETTLE = Duration.ofSeconds(2);

    private static final byte HELD = 'H';
    private static final byte MADE = 'M';
    private static final byte DONE = 'D';

    /** The value a key of an app's global layer holds now; throws when the layer is out of reach. */
    public interface Current {
        Optional<byte[]> get(AppKey app, String key);
    }

    /** A change held before its write: tell it whether the write was made. Neither method throws. */
    public interface Change {
        Change NONE = new Change() {
            @Override
            public void made() {
            }

            @Override
            public void notMade() {
            }

            @Override
            public void maybeMade() {
            }
        };

        /** The write was made. */
        void made();

        /** The write was not made (a compare-and-set refused, a key already absent). */
        void notMade();

        /** The write failed in a way that may have made it (a write timed out): the key's value tells. */
        void maybeMade();
    }

    /** What is known of a held change's write. */
    private enum Fate {
        /** Being written. */
        WRITING,
        MADE,
        NOT_MADE,
        /** Failed in a way that may have made it: told by the key's value before its next change, or after {@link #SETTLE}. */
        MAYBE
    }

    /** One change held: its frame's payload, and what is known of its write. */
    private static final class Held {
        final long seq;
        final OutboxRecord record;
        final byte[] payload;
        /** The SHA-256 of the value the key held before this change (null: absent or not known), which tells the fate of the change before it. */
        final byte[] beforeDigest;
        Fate fate = Fate.WRITING;
        /** When it became {@link Fate#MAYBE} (System.nanoTime). */
        long maybeSince;

        Held(long seq, OutboxRecord record, byte[] payload, byte[] beforeDigest) {
            this.seq = seq;
            this.record = record;
            this.payload = payload;
            this.beforeDigest = beforeDigest;
        }

        String key() {
            return record.app() + "/" + record.key();
        }
    }

    private final EventLog log;
    private final Current current;
    private final FrameFile file;
    /** Changes held and not yet let go, by number. */
    private final Map<Long, Held> open = new LinkedHashMap<>();
    /** Changes to publish, in the order made; the first stays until its event is kept. */
    private final ArrayDeque<Held> waiting = new ArrayDeque<>();
    /** The latest change of each key whose write may or may not have been made, by "tenant/app/key". */
    private final Map<String, Held> undecided = new java.util.HashMap<>();
    private final Thread drainer;
    private final long maxHeldBytes;
    private final long maxAppHeldBytes;
    private long heldBytes;
    private final Map<AppKey, Long> heldByApp = new java.util.HashMap<>();
    private long nextSeq;
    private boolean closed;
    private boolean started;

    private StateOutbox(EventLog log, Current current, Path path, long maxHeldBytes, long maxAppHeldBytes) {
        this.log = log;
        this.maxHeldBytes = maxHeldBytes;
        this.maxAppHeldBytes = maxAppHeldBytes;
        this.current = current;
        List<FrameFile.Frame> frames = new ArrayList<>();
        this.file = FrameFile.open(path, "the state outbox", frames);
        replay(frames);
        this.drainer = Thread.ofPlatform().daemon().name("state-outbox").unstarted(this::drain);
    }

    /**
     * Opens the outbox kept in {@code path} (created when absent), to publish to {@code log} once
     * {@link #start started} what it holds and what is made from now on, checking with
     * {@code current} the writes it does not know were made.
     */
    public static StateOutbox open(Path path, EventLog log, Current current) {
        return open(path, log, current, MAX_HELD_BYTES, MAX_APP_HELD_BYTES);
    }

    static StateOutbox open(Path path, EventLog log, Current current, long maxHeldBytes, long maxAppHeldBytes) {
        return new StateOutbox(log, current, path, maxHeldBytes, maxAppHeldBytes);
    }

    /**
     * Starts publishing: once the triggers' subscriptions are open, for a log that keeps only the
     * events some subscription wants (the embedded one). Changes made before wait until then.
     */
    public StateOutbox start() {
        synchronized (this) {
            started = true;
        }
        drainer.start();
        return this;
    }

    private void replay(List<FrameFile.Frame> frames) {
        for (FrameFile.Frame f : frames) {
            nextSeq = Math.max(nextSeq, f.seq() + 1);
            switch (f.kind()) {
                case HELD -> {
                    try {
                        Held h = new Held(f.seq(), OutboxRecord.decode(f.payload()), f.payload(), null);
                        open.put(h.seq, h);
                        count(h, 1);
                    } catch (UncheckedIOException e) {
                        LOG.warn("the state outbox holds a change it cannot read; dropped: {}", e.getMessage());
                    }
                }
                case MADE -> Optional.ofNullable(open.get(f.seq())).ifPresent(h -> h.fate = Fate.MADE);
                case DONE -> Optional.ofNullable(open.remove(f.seq())).ifPresent(h -> count(h, -1));
                default -> LOG.warn("the state outbox holds a frame of unknown kind {}; ignored", f.kind());
            }
        }
        for (Held h : open.values()) {
            if (h.fate == Fate.MADE) {
                waiting.add(h);
            } else {
                // held as the process died: long settled, told by the key's value
                unknown(h, System.nanoTime() - SETTLE.toNanos());
            }
        }
        if (!waiting.isEmpty()) {
            LOG.info("{} state change(s) held by the node before it stopped are published now", waiting.size());
        }
        file.rewrite(frames(open.values()));
    }

    /**
     * Holds the change of {@code app}'s {@code key} from {@code before} to {@code after} (null:
     * absent), whose event is {@code event}, before its write, under the key's lock: tell the
     * returned change, once, whether the write was made. Made, the value before tells whether the
     * key's last change of unknown fate was.
     * Throws {@link SkyfnException} {@code UNAVAILABLE} (the write must not be made) when more than
     * {@value #MAX_HELD_BYTES} bytes of events wait for the log, or the disk refuses the hold.
     */
    public Change hold(AppKey app, String key, byte[] before, byte[] after, Event event) {
        OutboxRecord record = new OutboxRecord(app, key, after == null ? null : digest(after), event);
        byte[] payload = record.encode();
        Held held;
        byte[] beforeDigest = before == null ? null : digest(before);
        synchronized (this) {
            if (closed) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "the node is stopping");
            }
            if (heldBytes + payload.length > maxHeldBytes) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, open.size() + " state changes (" + heldBytes + " bytes) wait for the"
                        + " event log to take them (on one machine, for their triggers to take them); the write is refused so that no change is lost");
            }
            long ofApp = heldByApp.getOrDefault(app, 0L);
            if (ofApp + payload.length > maxAppHeldBytes) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "changes of " + app + " (" + ofApp + " bytes) wait for the event log"
                        + " or its triggers to take them, its limit of " + maxAppHeldBytes + " bytes; the write is refused so that no change is lost");
            }
            held = new Held(nextSeq++, record, payload, beforeDigest);
            try {
                repaired();
                file.append(new FrameFile.Frame(HELD, held.seq, payload));
            } catch (UncheckedIOException e) {
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "the node's disk refused the state change: " + e.getMessage());
            }
            open.put(held.seq, held);
            count(held, 1);
        }
        return new Change() {
            @Override
            public void made() {
                StateOutbox.this.made(held);
            }

            @Override
            public void notMade() {
                letGo(held);
            }

            @Override
            public void maybeMade() {
                unknown(held, System.nanoTime());
            }
        };
    }

    /** Queues a change of unknown fate since {@code since} (System.nanoTime), to be told by its key's next change or its value. */
    private synchronized void unknown(Held held, long since) {
        held.fate = Fate.MAYBE;
        held.maybeSince = since;
        undecided.put(held.key(), held);
        enqueue(held);
    }

    /** Puts a change behind those waiting, and wakes the drainer. */
    private synchronized void enqueue(Held held) {
        waiting.add(held);
        notifyAll();
    }

    /** Publishes the change now when nothing waits before it; else, or when the log refuses, it waits its turn. */
    private void made(Held held) {
        synchronized (this) {
            decide(held.key(), held.beforeDigest);
            held.fate = Fate.MADE;
            append(new FrameFile.Frame(MADE, held.seq, new byte[0]));
            if (!waiting.isEmpty() || closed || !started) {
                enqueue(held);
                return;
            }
        }
        try {
            published(held);
        } catch (RuntimeException refused) {
            LOG.warn("the event log refused the change of {} of {} ({}); it waits in the node's outbox", held.record.key(),
                    held.record.app(), refused.getMessage());
            enqueue(held);
        }
    }

    /**
     * Publishes a change made, to be let go once the log has it for good: once kept, for a log that
     * keeps events across restarts; for one held in memory only, once the triggers that wanted it
     * have acknowledged it — until then a process that dies publishes it again when started. Throws as
     * the log refuses.
     */
    private void published(Held held) {
        log.publishTaken(held.record.event()).thenRun(() -> letGo(held));
    }

    /**
     * Tells the key's last change of unknown fate, if any, by the value the key's next change,
     * made, found before it (or, for a compare-and-set, expected): the change was made if and only
     * if the key held what it wrote.
     */
    private void decide(String key, byte[] beforeDigest) {
        Held maybe = undecided.remove(key);
        if (maybe != null && maybe.fate == Fate.MAYBE) {
            settle(maybe, Arrays.equals(beforeDigest, maybe.record.afterDigest()));
        }
    }

    /** Tells a change of unknown fate whether it was made, unless something told it first. */
    private synchronized void settle(Held held, boolean made) {
        if (held.fate != Fate.MAYBE) {
            return;
        }
        notifyAll();
        held.fate = made ? Fate.MADE : Fate.NOT_MADE;
        if (made) {
            append(new FrameFile.Frame(MADE, held.seq, new byte[0]));
        }
        if (undecided.get(held.key()) == held) {
            undecided.remove(held.key());
        }
    }

    private synchronized void letGo(Held held) {
        if (open.remove(held.seq) == null || closed) {
            return;
        }
        count(held, -1);
        append(new FrameFile.Frame(DONE, held.seq, new byte[0]));
        try {
            if (open.isEmpty() && file.size() > CLEAR_BYTES) {
                file.clear();
            } else if (file.size() > Math.max(COMPACT_BYTES, 2 * heldBytes)) {
                // what is still held is under half the file: rewriting it costs less than the file grew
                file.rewrite(frames(open.values()));
            }
        } catch (RuntimeException e) {
            LOG.warn("the state outbox could not be compacted: {}", e.getMessage());
        }
    }

    /** Counts {@code held}'s bytes in ({@code sign} 1) or out (-1), in all and for its app. */
    private void count(Held held, int sign) {
        long bytes = sign * (long) held.payload.length;
        heldBytes += bytes;
        heldByApp.merge(held.record.app(), bytes, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** Rewrites the file with what is held when a failed write left it unable to take more. */
    private void repaired() {
        if (file.broken()) {
            file.rewrite(frames(open.values()));
        }
    }

    /** Appends a frame that only moves a change along: one lost costs a second publication, not a change. */
    private void append(FrameFile.Frame f) {
        try {
            repaired();
            file.append(f);
        } catch (RuntimeException e) {
            LOG.warn("the state outbox could not note a change's progress: {}", e.getMessage());
        }
    }

    private static List<FrameFile.Frame> frames(java.util.Collection<Held> held) {
        List<FrameFile.Frame> frames = new ArrayList<>();
        for (Held h : held) {
            frames.add(new FrameFile.Frame(HELD, h.seq, h.payload));
            if (h.fate == Fate.MADE) {
                frames.add(new FrameFile.Frame(MADE, h.seq, new byte[0]));
            }
        }
        return frames;
    }

    /** Publishes the waiting changes in order, pausing longer (to {@link #LAST_PAUSE}) while the log refuses. */
    private void drain() {
        Duration pause = FIRST_PAUSE;
        while (true) {
            Held head;
            synchronized (this) {
                while (!closed) {
                    long left = waiting.isEmpty() ? -1 : unsettled(waiting.peek());
                    if (left == 0) {
                        break;
                    }
                    try {
                        // nothing waiting: until told; a change of unknown fate first: until it has settled
                        wait(left < 0 ? 0 : Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                head = waiting.peek();
            }
            try {
                if (head.fate == Fate.MAYBE) {
                    settle(head, madeAfterAll(head));
                }
                if (head.fate == Fate.MADE) {
                    published(head);
                } else {
                    LOG.info("a change of {} of {} whose write failed was not made; nothing to publish", head.record.key(),
                            head.record.app());
                    letGo(head);
                }
                synchronized (this) {
                    waiting.poll();
                }
                pause = FIRST_PAUSE;
            } catch (RuntimeException refused) {
                if (pause.equals(FIRST_PAUSE)) {
                    LOG.warn("{} state change(s) wait for the event log: {}", waiting(), refused.getMessage());
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    return;
                }
                pause = pause.multipliedBy(2).compareTo(LAST_PAUSE) > 0 ? LAST_PAUSE : pause.multipliedBy(2);
            } catch (Error e) {
                LOG.error("the state outbox stops publishing: {}", e.toString(), e);
                throw e;
            }
        }
    }

    /** Nanoseconds before a change of unknown fate has had {@link #SETTLE} to land; 0 for any other. */
    private static long unsettled(Held held) {
        return held.fate != Fate.MAYBE ? 0 : Math.max(0, held.maybeSince + SETTLE.toNanos() - System.nanoTime());
    }

    /** Whether a change of unknown fate whose key had no change since was made: its key holds the value it was to be given. */
    private boolean madeAfterAll(Held held) {
        byte[] now = current.get(held.record.app(), held.record.key()).map(StateOutbox::digest).orElse(null);
        return Arrays.equals(now, held.record.afterDigest());
    }

    static byte[] digest(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many changes wait to be published. */
    public synchronized int waiting() {
        return waiting.size();
    }

    /** Stops publishing; what is held stays on disk for the next start. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        drainer.interrupt();
        try {
            if (drainer.isAlive()) {
                drainer.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            file.close();
        }
    }
}
