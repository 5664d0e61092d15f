package dev.skyfn.events;

import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventEnvelope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an {@link EmbeddedEventLog} keeps on the node's disk, so that a node killed and started again
 * on its data hands out every event published to it and not acknowledged — as a JetStream stream's
 * file storage does in a fleet. One {@link FrameFile} of four kinds of frame:
 * <ul>
 *   <li>{@code 'E'} an event kept (its sequence number; its tenant, subject and {@link EventEnvelope});</li>
 *   <li>{@code 'S'} a subscription's state (the sequence it reads from next; its name, tenant, subject
 *       pattern, partition, ack wait in ms, bound on events out, and the events it had handed out and
 *       not had acknowledged then);</li>
 *   <li>{@code 'A'} an event acknowledged by a subscription (the event's sequence; the subscription's name);</li>
 *   <li>{@code 'F'} a subscription forgotten (its name);</li>
 *   <li>{@code 'D'} events handed out by a subscription (its name; each event's sequence and how many
 *       times it has been handed out so far), one frame for the events of one take.</li>
 * </ul>
 * A subscription's frame replaces what came before of it but the counts of its events' deliveries.
 * An event handed out and not acknowledged when the node stopped is handed out again after its
 * restart, its attempts counted on from where they were — as JetStream counts a message's
 * deliveries across a server's restart — so that a trigger's bound on attempts holds. The file is
 * rewritten with only what is still needed once it has doubled since (see {@link EmbeddedEventLog}). Appends are not forced to the device: they survive
 * the process, not the machine losing power.
 */
final class EventJournal implements AutoCloseable {

    private static final byte EVENT = 'E';
    private static final byte SUBSCRIBED = 'S';
    private static final byte ACKED = 'A';
    private static final byte FORGOTTEN = 'F';
    private static final byte HANDED_OUT = 'D';

    /**
     * A subscription as the journal knows it.
     *
     * @param cursor  the sequence it reads from next
     * @param pending events before {@code cursor} it handed out and has not had acknowledged
     * @param acked   events from {@code cursor} on it has acknowledged (after a restart, handed out
     *                again before its cursor passed them)
     * @param handed  how many times it has handed out each event it has not had acknowledged, by sequence
     *                (events never handed out are not in it)
     */
    record SubState(String name, String tenant, String pattern, int partition, Duration ackWait, int maxUnacknowledged,
                    long cursor, Set<Long> pending, Set<Long> acked, Map<Long, Long> handed) {
    }

    /** What a journal held when opened: the events by sequence, the subscriptions by name, and the next sequence to give. */
    record Recovered(SortedMap<Long, Event> events, Map<String, SubState> subscriptions, long nextSeq) {
    }

    /** A journal opened, with what it held. */
    record Opened(EventJournal journal, Recovered recovered) {
    }

    private final FrameFile file;

    private EventJournal(FrameFile file) {
        this.file = file;
    }

    /**
     * Opens (creating) the journal at {@code path}, with what it held; it takes appends once
     * {@link #rewrite rewritten} with what of that is still needed.
     *
     * @throws UncheckedIOException when the file cannot be read, holds a frame of a layout this
     *                              version does not read, or cannot be rewritten after a torn frame
     */
    static Opened open(Path path) {
        List<FrameFile.Frame> frames = new ArrayList<>();
        FrameFile file = FrameFile.open(path, "the event log", frames);
        SortedMap<Long, Event> events = new TreeMap<>();
        Map<String, SubState> subs = new LinkedHashMap<>();
        long next = 1;
        for (FrameFile.Frame f : frames) {
            try {
                var in = new DataInputStream(new ByteArrayInputStream(f.payload()));
                switch (f.kind()) {
                    case EVENT -> {
                        events.put(f.seq(), readEvent(in));
                        next = Math.max(next, f.seq() + 1);
                    }
                    case SUBSCRIBED -> {
                        SubState s = readSub(f.seq(), in);
                        SubState before = subs.put(s.name(), s);
                        if (before != null) {
                            s.handed().putAll(before.handed());
                        }
                    }
                    case ACKED -> {
                        SubState s = subs.get(in.readUTF());
                        if (s != null) {
                            s.handed().remove(f.seq());
                            if (!s.pending().remove(f.seq()) && f.seq() >= s.cursor()) {
                                s.acked().add(f.seq());
                            }
                        }
                    }
                    case HANDED_OUT -> {
                        SubState s = subs.get(in.readUTF());
                        int n = in.readInt();
                        if (n < 0 || n > FrameFile.MAX_PAYLOAD / 16) {
                            throw new IOException(n + " events handed out");
                        }
                        for (int i = 0; i < n; i++) {
                            long seq = in.readLong();
                            long times = in.readLong();
                            if (s != null && !s.acked().contains(seq)) {
                                s.handed().put(seq, times);
                            }
                        }
                    }
                    case FORGOTTEN -> subs.remove(in.readUTF());
                    default -> throw new IOException("a frame of unknown kind " + f.kind());
                }
            } catch (IOException | IllegalArgumentException e) {
                // its checksum held, so the node wrote it: a layout this version does not read
                throw new UncheckedIOException("the event log " + path + " holds a frame this node cannot read (" + e.getMessage() + ")",
                        e instanceof IOException io ? io : new IOException(e));
            }
        }
        return new Opened(new EventJournal(file), new Recovered(events, subs, Math.max(next, numberedUpTo(subs.values()))));
    }

    /**
     * The number after every one {@code subs} speak of: a rewrite keeps only the events still
     * needed, so once all were taken the file holds none, and the next event must still come after
     * the subscriptions' cursors, not be numbered from 1 again below them (and never be read).
     */
    private static long numberedUpTo(java.util.Collection<SubState> subs) {
        long next = 1;
        for (SubState s : subs) {
            next = Math.max(next, s.cursor());
            for (java.util.Collection<Long> seqs : List.of(s.pending(), s.acked(), s.handed().keySet())) {
                for (long seq : seqs) {
                    next = Math.max(next, seq + 1);
                }
            }
        }
        return next;
    }

    /**
     * Keeps {@code e} as number {@code seq}.
     *
     * @throws IllegalArgumentException when its data and attributes come to more than a frame holds (16 MiB)
     * @throws UncheckedIOException     when the disk refuses it
     */
    void event(long seq, Event e) {
        FrameFile.Frame f = eventFrame(seq, e);
        if (f.payload().length > FrameFile.MAX_PAYLOAD) {
            throw new IllegalArgumentException("an event of " + f.payload().length + " bytes with its attributes; at most "
                    + (FrameFile.MAX_PAYLOAD >> 20) + " MiB");
        }
        file.append(f);
    }

    /** Keeps a subscription's state, replacing what was kept of it. @throws UncheckedIOException when the disk refuses it */
    void subscribed(SubState s) {
        file.append(subFrame(s));
        s.acked().forEach(seq -> acked(s.name(), seq));
    }

    /** Notes that {@code subscription} acknowledged event {@code seq}. @throws UncheckedIOException when the disk refuses it */
    void acked(String subscription, long seq) {
        file.append(new FrameFile.Frame(ACKED, seq, utf(subscription)));
    }

    /**
     * Notes that {@code subscription} handed out the events {@code seqs}, each for the
     * {@code times[i]}-th time. @throws UncheckedIOException when the disk refuses it
     */
    void handedOut(String subscription, long[] seqs, long[] times) {
        file.append(handedFrame(subscription, seqs, times));
    }

    private static FrameFile.Frame handedFrame(String subscription, long[] seqs, long[] times) {
        return new FrameFile.Frame(HANDED_OUT, 0, write(out -> {
            out.writeUTF(subscription);
            out.writeInt(seqs.length);
            for (int i = 0; i < seqs.length; i++) {
                out.writeLong(seqs[i]);
                out.writeLong(times[i]);
            }
        }));
    }

    /** Notes that {@code subscription} is gone. @throws UncheckedIOException when the disk refuses it */
    void forgot(String subscription) {
        file.append(new FrameFile.Frame(FORGOTTEN, 0, utf(subscription)));
    }

    /**
     * Replaces the file with {@code events} and {@code subscriptions}, atomically.
     *
     * @throws UncheckedIOException when it cannot: the file is as it was, or refuses appends until rewritten
     */
    void rewrite(SortedMap<Long, Event> events, java.util.Collection<SubState> subscriptions) {
        List<FrameFile.Frame> frames = new ArrayList<>(events.size() + subscriptions.size());
        events.forEach((seq, e) -> frames.add(eventFrame(seq, e)));
        for (SubState s : subscriptions) {
            frames.add(subFrame(s));
            s.acked().forEach(seq -> frames.add(new FrameFile.Frame(ACKED, seq, utf(s.name()))));
            if (!s.handed().isEmpty()) {
                long[] seqs = s.handed().keySet().stream().mapToLong(Long::longValue).toArray();
                long[] times = java.util.Arrays.stream(seqs).map(s.handed()::get).toArray();
                frames.add(handedFrame(s.name(), seqs, times));
            }
        }
        file.rewrite(frames);
    }

    /** Whether it takes appends only once {@link #rewrite rewritten}: a rewrite failed half-way. */
    boolean broken() {
        return file.broken();
    }

    /** Bytes in the file. */
    long size() {
        return file.size();
    }

    private static FrameFile.Frame eventFrame(long seq, Event e) {
        return new FrameFile.Frame(EVENT, seq, write(out -> {
            out.writeUTF(e.tenant());
            out.writeUTF(e.subject());
            byte[] envelope = EventEnvelope.write(e);
            out.writeInt(envelope.length);
            out.write(envelope);
        }));
    }

    private static Event readEvent(DataInputStream in) throws IOException {
        String tenant = in.readUTF();
        String subject = in.readUTF();
        int length = in.readInt();
        if (length < 0 || length > FrameFile.MAX_PAYLOAD) {
            throw new IOException("an event of " + length + " bytes");
        }
        return EventEnvelope.read(tenant, subject, in.readNBytes(length));
    }

    private static FrameFile.Frame subFrame(SubState s) {
        return new FrameFile.Frame(SUBSCRIBED, s.cursor(), write(out -> {
            out.writeUTF(s.name());
            out.writeUTF(s.tenant());
            out.writeUTF(s.pattern());
            out.writeInt(s.partition());
            out.writeLong(s.ackWait().toMillis());
            out.writeInt(s.maxUnacknowledged());
            out.writeInt(s.pending().size());
            for (long seq : s.pending()) {
                out.writeLong(seq);
            }
        }));
    }

    private static SubState readSub(long cursor, DataInputStream in) throws IOException {
        String name = in.readUTF();
        String tenant = in.readUTF();
        String pattern = in.readUTF();
        int partition = in.readInt();
        Duration ackWait = Duration.ofMillis(in.readLong());
        int max = in.readInt();
        int n = in.readInt();
        if (n < 0 || n > FrameFile.MAX_PAYLOAD / 8) {
            throw new IOException(n + " events out");
        }
        Set<Long> pending = new HashSet<>();
        for (int i = 0; i < n; i++) {
            pending.add(in.readLong());
        }
        return new SubState(name, tenant, pattern, partition, ackWait, max, cursor, pending, new HashSet<>(), new java.util.HashMap<>());
    }

    private interface Writing {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writing w) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            w.to(out);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    private static byte[] utf(String s) {
        return write(out -> out.writeUTF(s));
    }

    @Override
    public void close() {
        file.close();
    }
}
