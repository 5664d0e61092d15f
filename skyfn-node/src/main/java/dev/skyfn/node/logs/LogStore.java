package dev.skyfn.node.logs;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.LogLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent log lines of each app on this node, in memory and bounded by bytes per app: the
 * oldest lines go first. Each line gets a sequence number so that a follower asks for what came
 * after the last line it saw.
 */
public final class LogStore {

    /** A stored line and its place in the app's sequence. */
    public record Entry(long seq, LogLine line) {
    }

    private final long bytesPerApp;
    private final Map<AppKey, Ring> rings = new ConcurrentHashMap<>();

    public LogStore(long bytesPerApp) {
        this.bytesPerApp = bytesPerApp;
    }

    public void append(AppKey app, List<LogLine> lines) {
        rings.computeIfAbsent(app, k -> new Ring()).append(lines, bytesPerApp);
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
        rings.remove(app);
    }

    private static final class Ring {
        private final Deque<Entry> entries = new ArrayDeque<>();
        private long nextSeq = 1;
        private long bytes;

        synchronized void append(List<LogLine> lines, long cap) {
            for (LogLine line : lines) {
                entries.addLast(new Entry(nextSeq++, line));
                bytes += size(line);
            }
            while (bytes > cap && !entries.isEmpty()) {
                bytes -= size(entries.removeFirst().line());
            }
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
