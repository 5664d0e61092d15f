package dev.skyfn.api;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Windows over the events a stream function takes, as Pulsar Functions' windowing offers them:
 * tumbling or sliding, by count or by event time, kept under a key of a {@link Store} — the app's
 * global state shares them between its calls on every node, the local one between those of a node
 * — and moved on by compare-and-set, so that concurrent calls lose nothing.
 *
 * <p>Time windows are aligned on the epoch (every minute: :00 to :01) and close on event time: a
 * window {@code [start, end)} closes once an event at or after {@code end} has been added (the
 * latest event time seen is the watermark); an event older than every window still open is late
 * and dropped. Count windows close every {@code every} events, with the last {@code size}.
 *
 * <pre>{@code
 * static final Windows MINUTES = Windows.tumbling(Duration.ofMinutes(1));
 * for (Windows.Closed w : MINUTES.add(ctx.state().global(), "clicks", List.of(new Windows.Item(at, bytes)))) {
 *     ctx.publish("clicks.per-minute", Map.of("start", w.start(), "clicks", w.values().size()));
 * }
 * }</pre>
 */
public final class Windows {

    /** A value and its event time. */
    public record Item(Instant at, byte[] value) {
    }

    /**
     * A window that closed: its values in event-time order (in arrival order for count windows)
     * and its bounds — for count windows, the first and last values' times.
     */
    public record Closed(Instant start, Instant end, List<byte[]> values) {
    }

    private final Duration size;
    private final Duration every;
    private final int count;
    private final int countEvery;

    private Windows(Duration size, Duration every, int count, int countEvery) {
        this.size = size;
        this.every = every;
        this.count = count;
        this.countEvery = countEvery;
    }

    /** Back-to-back windows of {@code size} of event time. */
    public static Windows tumbling(Duration size) {
        return sliding(size, size);
    }

    /** Windows of {@code size} of event time starting every {@code every} (overlapping when {@code every < size}). */
    public static Windows sliding(Duration size, Duration every) {
        if (size.isNegative() || size.isZero() || every.isNegative() || every.isZero() || every.compareTo(size) > 0) {
            throw new IllegalArgumentException("a window has a positive size and starts every positive duration at most its size");
        }
        return new Windows(size, every, 0, 0);
    }

    /** Windows of {@code count} events, one after the other. */
    public static Windows tumbling(int count) {
        return sliding(count, count);
    }

    /** Every {@code every} events, a window of the last {@code count}. */
    public static Windows sliding(int count, int every) {
        if (count < 1 || every < 1 || every > count) {
            throw new IllegalArgumentException("a window has at least one event and closes every 1.." + count + " events");
        }
        return new Windows(null, null, count, every);
    }

    /**
     * Adds {@code items} to the windows kept under {@code key} of {@code store}; returns the windows
     * they closed, oldest first.
     *
     * @throws DataException as the store's operations do ({@code QUOTA_EXCEEDED}, …)
     */
    public List<Closed> add(Store store, String key, List<Item> items) {
        while (true) {
            byte[] old = store.get(key).orElse(null);
            State state = old == null ? new State(Long.MIN_VALUE, 0, new ArrayList<>()) : State.read(old);
            List<Closed> closed = size != null ? addByTime(state, items) : addByCount(state, items);
            if (store.compareAndSet(key, old, state.write())) {
                return closed;
            }
        }
    }

    private List<Closed> addByTime(State state, List<Item> items) {
        long sizeMs = size.toMillis();
        long everyMs = every.toMillis();
        long before = state.watermark;
        for (Item item : items) {
            long at = item.at().toEpochMilli();
            // the earliest window still open starts after the watermark's last closed window
            if (before != Long.MIN_VALUE && at < firstOpenStart(before, sizeMs, everyMs)) {
                continue; // late: its windows have closed
            }
            state.items.add(item);
            state.watermark = Math.max(state.watermark, at);
        }
        List<Closed> closed = new ArrayList<>();
        if (state.items.isEmpty()) {
            return closed;
        }
        state.items.sort(Comparator.comparing(Item::at));
        long from = before == Long.MIN_VALUE ? Math.floorDiv(state.items.getFirst().at().toEpochMilli() - sizeMs + everyMs, everyMs) * everyMs
                : firstOpenStart(before, sizeMs, everyMs);
        for (long start = from; start + sizeMs <= state.watermark; start += everyMs) {
            long s = start;
            List<byte[]> values = state.items.stream().filter(i -> i.at().toEpochMilli() >= s && i.at().toEpochMilli() < s + sizeMs)
                    .map(Item::value).toList();
            if (!values.isEmpty()) {
                closed.add(new Closed(Instant.ofEpochMilli(start), Instant.ofEpochMilli(start + sizeMs), values));
            }
        }
        long keepFrom = firstOpenStart(state.watermark, sizeMs, everyMs);
        state.items.removeIf(i -> i.at().toEpochMilli() < keepFrom);
        return closed;
    }

    /** The start of the earliest window not closed at {@code watermark}: the first whose end is after it. */
    private static long firstOpenStart(long watermark, long sizeMs, long everyMs) {
        return Math.floorDiv(watermark - sizeMs, everyMs) * everyMs + everyMs;
    }

    private List<Closed> addByCount(State state, List<Item> items) {
        List<Closed> closed = new ArrayList<>();
        for (Item item : items) {
            state.items.add(item);
            state.seen++;
            if (state.seen % countEvery == 0) {
                List<Item> last = state.items.subList(Math.max(0, state.items.size() - count), state.items.size());
                closed.add(new Closed(last.getFirst().at(), last.getLast().at(), last.stream().map(Item::value).toList()));
            }
            if (state.items.size() > count) {
                state.items.removeFirst();
            }
        }
        return closed;
    }

    /** What a key holds: the watermark (epoch ms), how many events a count window has seen, the values kept. */
    private static final class State {
        long watermark;
        long seen;
        final List<Item> items;

        State(long watermark, long seen, List<Item> items) {
            this.watermark = watermark;
            this.seen = seen;
            this.items = items;
        }

        byte[] write() {
            var bytes = new ByteArrayOutputStream();
            try (var out = new DataOutputStream(bytes)) {
                out.writeLong(watermark);
                out.writeLong(seen);
                out.writeInt(items.size());
                for (Item i : items) {
                    out.writeLong(i.at().toEpochMilli());
                    out.writeInt(i.value().length);
                    out.write(i.value());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        static State read(byte[] bytes) {
            try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                long watermark = in.readLong();
                long seen = in.readLong();
                int n = in.readInt();
                List<Item> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Instant at = Instant.ofEpochMilli(in.readLong());
                    items.add(new Item(at, in.readNBytes(in.readInt())));
                }
                return new State(watermark, seen, items);
            } catch (IOException e) {
                throw new UncheckedIOException("not the state of windows", e);
            }
        }
    }
}
