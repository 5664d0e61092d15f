package dev.skyfn.node.logs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An app's log lines gathered from every node of a fleet: each node keeps the lines of the calls
 * it ran, numbered in its own sequence, so a reader that follows the app keeps one position per
 * node — a {@link Cursor}, handed out as an opaque token and handed back to read what came after.
 */
public final class FleetLogs {

    private FleetLogs() {
    }

    /** A line as the fleet shows it: the node that ran the call, its place in that node's sequence, and the line. */
    public record Line(String node, long seq, Instant time, String invocationId, String function, String kind, String text) {
    }

    /** What one node answered: its lines after the cursor's position for it, oldest first; empty when it did not answer. */
    public record Answer(String node, Optional<List<Line>> lines) {

        public static Answer of(String node, List<Line> lines) {
            return new Answer(node, Optional.of(lines));
        }

        public static Answer none(String node) {
            return new Answer(node, Optional.empty());
        }
    }

    /** The merged lines, the cursor that follows them, and the nodes that did not answer (their lines are missing). */
    public record Merged(List<Line> lines, Cursor next, List<String> unreachable) {
    }

    /**
     * Merges the nodes' answers in time order (ties: by node name, then sequence), keeping the
     * latest {@code limit} lines. The next cursor holds, for each node, the last sequence number it
     * answered with, or its position in {@code from} when it answered nothing new or did not answer;
     * lines cut by the limit are older than those kept and are not read again.
     */
    public static Merged merge(Cursor from, List<Answer> answers, int limit) {
        List<Line> all = new ArrayList<>();
        Map<String, Long> next = new TreeMap<>(from.after());
        List<String> unreachable = new ArrayList<>();
        for (Answer a : answers) {
            if (a.lines().isEmpty()) {
                unreachable.add(a.node());
                continue;
            }
            for (Line l : a.lines().get()) {
                all.add(l);
                next.merge(a.node(), l.seq(), Math::max);
            }
        }
        all.sort(Comparator.comparing(Line::time).thenComparing(Line::node).thenComparingLong(Line::seq));
        List<Line> kept = all.size() > limit ? List.copyOf(all.subList(all.size() - limit, all.size())) : List.copyOf(all);
        unreachable.sort(null);
        return new Merged(kept, new Cursor(next), List.copyOf(unreachable));
    }

    /**
     * A reader's position in each node's sequence: lines after it are new. A node the cursor does not
     * name is read from its start. As a token: base64url (RFC 4648 §5, no padding) of
     * {@code node=seq} pairs, one per line.
     */
    public record Cursor(Map<String, Long> after) {

        public static final Cursor START = new Cursor(Map.of());

        public Cursor {
            after = Map.copyOf(after);
        }

        /** The position for {@code node}: 0 when the cursor does not name it. */
        public long after(String node) {
            return after.getOrDefault(node, 0L);
        }

        public String token() {
            StringBuilder text = new StringBuilder();
            new TreeMap<>(after).forEach((node, seq) -> text.append(node).append('=').append(seq).append('\n'));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor a token stands for; {@link IllegalArgumentException} when it is not one {@link #token()} wrote. */
        public static Cursor parse(String token) {
            String text;
            try {
                text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the cursor is not base64url");
            }
            Map<String, Long> after = new TreeMap<>();
            for (String pair : text.split("\n")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.lastIndexOf('=');
                long seq;
                try {
                    seq = eq > 0 ? Long.parseLong(pair.substring(eq + 1)) : -1;
                } catch (NumberFormatException e) {
                    seq = -1;
                }
                if (seq < 0 || after.put(pair.substring(0, eq), seq) != null) {
                    throw new IllegalArgumentException("the cursor is not one a logs request answered with");
                }
            }
            return new Cursor(after);
        }
    }
}
