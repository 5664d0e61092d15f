package dev.skyfn.node.logs;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.LogLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The recent log lines of each app on this node, in memory and bounded twice: by bytes per app,
 * the oldest lines going first, and by bytes on the whole node, where the app whose lines tip it
 * over the limit loses half of what it keeps. Each line gets a sequence number so that a follower
 * asks for what came after the last line it saw.
 */
public final class LogStore {

    /** A stored line and its place in the app's sequence. */
    public record Entry(long seq, LogLine line) {
    }

    private final long bytesPerApp;
    private final long bytesInAll;
    private final AtomicLong total = new AtomicLong();
    private final Map<AppKey, Ring> rings = new ConcurrentHashMap<>();

    public LogStore(long bytesPerApp, long bytesInAll) {
        this.bytesPerApp = bytesPerApp;
        this.bytesInAll = bytesInAll;
    }

    public void append(AppKey app, List<LogLine> lines) {
        Ring ring = rings.computeIfAbsent(app, k -> new Ring());
        total.addAndGet(ring.append(lines, bytesPerApp));
        if (total.get() > bytesInAll) {
            total.addAndGet(ring.trimTo(ring.bytes() / 2));
        }
    }

    /** Bytes of log text kept on this node, as counted against its limit. */
    public long bytes() {
        return total.get();
    }

    /**
     * Lines after {@code afterSeq}, oldest first, at most {@code limit}; {@code function} and
     * {@code invocationId} filter when not null.
     */
    public List<Entry> read(AppKey app, String function, String invocationId, long afterSeq, int limit) {
        Ring ring = rings.get(app);
        return ring == null ? List.of() : ring.read(function, invocationId, afterSeq, limit);
    }

    public void forget(AppKey app) {
        Ring ring = rings.remove(app);
        if (ring != null) {
            total.addAndGet(-ring.bytes());
        }
    }

    private static final class Ring {
        private final Deque<Entry> entries = new ArrayDeque<>();
        private long nextSeq = 1;
        private long bytes;

        /** Appends and trims to {@code cap}; returns how many bytes the ring grew (or shrank) by. */
        synchronized long append(List<LogLine> lines, long cap) {
            long before = bytes;
            for (LogLine line : lines) {
                entries.addLast(new Entry(nextSeq++, line));
                bytes += size(line);
            }
            trimTo(cap);
            return bytes - before;
        }

        /** Drops the oldest lines until at most {@code cap} bytes remain; returns the change in bytes (≤ 0). */
        synchronized long trimTo(long cap) {
            long before = bytes;
            while (bytes > cap && !entries.isEmpty()) {
                bytes -= size(entries.removeFirst().line());
            }
            return bytes - before;
        }

        synchronized long bytes() {
            return bytes;
        }

        synchronized List<Entry> read(String function, String invocationId, long afterSeq, int limit) {
            List<Entry> out = new ArrayList<>();
            for (Entry e : entries) {
                if (e.seq() > afterSeq && (function == null || function.equals(e.line().function()))
                        && (invocationId == null || invocationId.equals(e.line().invocationId()))) {
                    out.add(e);
                }
            }
            return out.size() > limit ? List.copyOf(out.subList(out.size() - limit, out.size())) : out;
        }

        private static long size(LogLine line) {
            return 64L + line.text().length() * 2L;
        }
    }
}
