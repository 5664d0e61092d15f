package dev.skyfn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WindowsTest {

    /** A store in memory, as a sandbox's state answers. */
    static final class MemoryStore implements Store {
        final Map<String, byte[]> values = new ConcurrentHashMap<>();

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        @Override
        public void put(String key, byte[] value) {
            values.put(key, value);
        }

        @Override
        public boolean delete(String key) {
            return values.remove(key) != null;
        }

        @Override
        public synchronized boolean compareAndSet(String key, byte[] expected, byte[] value) {
            byte[] now = values.get(key);
            if (expected == null ? now != null : now == null || !Arrays.equals(now, expected)) {
                return false;
            }
            if (value == null) {
                values.remove(key);
            } else {
                values.put(key, value);
            }
            return true;
        }
    }

    private final MemoryStore store = new MemoryStore();
    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");

    private static Windows.Item at(int seconds, String value) {
        return new Windows.Item(T.plusSeconds(seconds), value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> texts(Windows.Closed w) {
        return w.values().stream().map(v -> new String(v, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aTumblingWindowClosesWhenAnEventPastItsEndComes() {
        Windows minutes = Windows.tumbling(Duration.ofMinutes(1));
        assertThat(minutes.add(store, "w", List.of(at(10, "a"), at(50, "b")))).isEmpty();
        List<Windows.Closed> closed = minutes.add(store, "w", List.of(at(65, "c")));
        assertThat(closed).hasSize(1);
        assertThat(closed.getFirst().start()).isEqualTo(T);
        assertThat(closed.getFirst().end()).isEqualTo(T.plusSeconds(60));
        assertThat(texts(closed.getFirst())).containsExactly("a", "b");
        // a late event for the closed minute is dropped; the next minute closes with its own
        assertThat(minutes.add(store, "w", List.of(at(30, "late"), at(190, "d")))).extracting(WindowsTest::texts)
                .containsExactly(List.of("c"));
    }

    @Test
    void slidingWindowsOverlap() {
        Windows w = Windows.sliding(Duration.ofMinutes(2), Duration.ofMinutes(1));
        List<Windows.Closed> closed = w.add(store, "w", List.of(at(10, "a"), at(70, "b"), at(130, "c"), at(185, "d")));
        // [11:59, 12:01) a; [12:00, 12:02) a b; [12:01, 12:03) b c; the watermark 12:03:05 closes those ending by then
        assertThat(closed).extracting(WindowsTest::texts).containsExactly(List.of("a"), List.of("a", "b"), List.of("b", "c"));
        assertThat(closed.get(1).start()).isEqualTo(T);
    }

    @Test
    void countWindowsCloseEveryFewEventsWithTheLastOnes() {
        Windows w = Windows.sliding(3, 2);
        List<Windows.Closed> closed = w.add(store, "w", IntStream.rangeClosed(1, 7).mapToObj(i -> at(i, "e" + i)).toList());
        assertThat(closed).extracting(WindowsTest::texts)
                .containsExactly(List.of("e1", "e2"), List.of("e2", "e3", "e4"), List.of("e4", "e5", "e6"));
        assertThat(Windows.tumbling(2).add(store, "t", List.of(at(1, "x"), at(2, "y"), at(3, "z")))).extracting(WindowsTest::texts)
                .containsExactly(List.of("x", "y"));
    }

    @Test
    void concurrentCallsLoseNoEvent() throws InterruptedException {
        Windows w = Windows.tumbling(100);
        var closed = new java.util.concurrent.CopyOnWriteArrayList<Windows.Closed>();
        List<Thread> threads = IntStream.range(0, 4).mapToObj(t -> Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 50; i++) {
                closed.addAll(w.add(store, "c", List.of(at(i, t + "-" + i))));
            }
        })).toList();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(closed).hasSize(2);
        assertThat(closed.stream().flatMap(c -> texts(c).stream()).distinct()).hasSize(200);
    }

    @Test
    void refusesWindowsThatCannotBe() {
        assertThatThrownBy(() -> Windows.sliding(Duration.ofMinutes(1), Duration.ofMinutes(2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Windows.tumbling(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
