package dev.skyfn.node.invoke;

import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.WireCodec;
import dev.skyfn.node.data.AppendLog;
import dev.skyfn.node.invoke.AsyncInvocations.State;
import dev.skyfn.node.invoke.AsyncInvocations.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The async invocations of a node on one machine, on its disk ({@link AppendLog}, forced in
 * groups): an invocation is written, with its input, before its caller hears 202, and its end once
 * it ended, so that a node killed and started again runs every invocation it had accepted and not
 * finished (at least once: one whose end was not yet written runs again) and still answers for
 * those that ended within their retention. Two kinds of record, each a kind byte and the
 * invocation's id, tenant, app, function and submission time (epoch ms), then:
 * <ul>
 *   <li>{@code 'Q'} accepted: the callers' region ("" when unknown), when its app was created
 *       (ISO-8601, "" when unknown) and the call as the sandbox protocol's {@code INVOKE} frame
 *       (input, timeout, traceparent);</li>
 *   <li>{@code 'E'} ended: its state, start and end (epoch ms), whether it started cold, its
 *       duration (ns), the node that ran it ("" when unknown) and its outcome as the protocol's
 *       {@code RESULT} or {@code FAILURE} frame.</li>
 * </ul>
 * The file is rewritten with the invocations still kept once it has doubled since its last
 * rewrite and passed {@link #COMPACT_AT}.
 */
final class AsyncJournal implements AutoCloseable {

    static final long COMPACT_AT = 64L << 20;
    private static final byte QUEUED = 'Q';
    private static final byte ENDED = 'E';

    /**
     * An invocation accepted and not ended: what runs it again after a restart.
     *
     * @param appCreated when the app it calls was created (null: unknown), so that one removed and
     *                   created again under its name does not run it
     */
    record Queued(Status status, String region, Instant appCreated, Message.Invoke call) {
    }

    private final AppendLog log;
    private long compactedSize;

    private AsyncJournal(AppendLog log) {
        this.log = log;
        this.compactedSize = log.size();
    }

    /**
     * Opens (creating) the journal at {@code file}, putting what it holds into {@code statuses} (every
     * invocation kept, by id) and {@code queued} (those not ended, in the order accepted).
     *
     * @throws UncheckedIOException when the file cannot be read or holds a record this version cannot
     */
    static AsyncJournal open(Path file, Map<String, Status> statuses, LinkedHashMap<String, Queued> queued) {
        return new AsyncJournal(AppendLog.open(file, record -> {
            try {
                replay(record, statuses, queued);
            } catch (IOException | RuntimeException e) {
                throw new UncheckedIOException("the async invocations' journal " + file + " holds a record this node cannot read ("
                        + e.getMessage() + ")", e instanceof IOException io ? io : new IOException(e));
            }
        }));
    }

    private static void replay(byte[] record, Map<String, Status> statuses, Map<String, Queued> queued) throws IOException {
        var in = new DataInputStream(new ByteArrayInputStream(record));
        byte kind = in.readByte();
        Status s = new Status(in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(), State.QUEUED, Instant.ofEpochMilli(in.readLong()),
                null, null, null);
        if (kind == QUEUED) {
            String region = in.readUTF();
            String created = in.readUTF();
            byte[] frame = in.readNBytes(in.readInt());
            var call = (Message.Invoke) WireCodec.decode(frame, 4, frame.length - 4);
            statuses.put(s.invocationId(), s);
            queued.put(s.invocationId(), new Queued(s, region.isEmpty() ? null : region, created.isEmpty() ? null : Instant.parse(created),
                    call));
        } else if (kind == ENDED) {
            State state = State.valueOf(in.readUTF());
            Instant started = Status.fromEpochMillis(in.readLong());
            Instant finished = Status.fromEpochMillis(in.readLong());
            boolean cold = in.readBoolean();
            long nanos = in.readLong();
            String node = in.readUTF();
            byte[] frame = in.readNBytes(in.readInt());
            Outcome outcome;
            try {
                outcome = Outcome.fromFrame(s.invocationId(), frame, cold, nanos, node.isEmpty() ? null : node);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            statuses.put(s.invocationId(), new Status(s.invocationId(), s.tenant(), s.app(), s.function(), state, s.submitted(), started,
                    finished, outcome));
            queued.remove(s.invocationId());
        } else {
            throw new IOException("a record of unknown kind " + kind);
        }
    }

    /** Writes an accepted invocation and returns once it is on the disk. @throws UncheckedIOException when the disk refuses it */
    void queued(Queued q) {
        try {
            log.append(queuedRecord(q)).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new UncheckedIOException("writing an async invocation to its journal: " + e.getCause().getMessage(),
                    e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
        }
    }

    /** Writes an invocation's end, without waiting for the disk: lost with the node, it runs again. */
    void ended(Status s) {
        log.append(endedRecord(s));
    }

    /**
     * Rewrites the file with {@code kept} (ended, still kept) and {@code queued} once it has grown
     * past {@link #COMPACT_AT} and twice its size after the last rewrite; the caller lets nothing
     * be written meanwhile.
     */
    void compactIfGrown(Collection<Status> kept, Collection<Queued> queued) {
        if (log.size() <= Math.max(COMPACT_AT, 2 * compactedSize)) {
            return;
        }
        log.sync();
        List<byte[]> records = new ArrayList<>(kept.size() + queued.size());
        kept.forEach(s -> records.add(endedRecord(s)));
        queued.forEach(q -> records.add(queuedRecord(q)));
        log.rewrite(records);
        compactedSize = log.size();
    }

    private static byte[] queuedRecord(Queued q) {
        return record(QUEUED, q.status(), out -> {
            out.writeUTF(q.region() == null ? "" : q.region());
            out.writeUTF(q.appCreated() == null ? "" : q.appCreated().toString());
            byte[] frame = WireCodec.encode(q.call());
            out.writeInt(frame.length);
            out.write(frame);
        });
    }

    private static byte[] endedRecord(Status s) {
        Outcome o = s.outcome();
        return record(ENDED, s, out -> {
            out.writeUTF(s.state().name());
            out.writeLong(Status.epochMillis(s.started()));
            out.writeLong(Status.epochMillis(s.finished()));
            out.writeBoolean(o.coldStart());
            out.writeLong(o.durationNanos());
            out.writeUTF(o.node() == null ? "" : o.node());
            byte[] frame = o.frame();
            out.writeInt(frame.length);
            out.write(frame);
        });
    }

    private interface Rest {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] record(byte kind, Status s, Rest rest) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(kind);
            out.writeUTF(s.invocationId());
            out.writeUTF(s.tenant());
            out.writeUTF(s.app());
            out.writeUTF(s.function());
            out.writeLong(s.submitted().toEpochMilli());
            rest.to(out);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }



    @Override
    public void close() {
        log.close();
    }
}
