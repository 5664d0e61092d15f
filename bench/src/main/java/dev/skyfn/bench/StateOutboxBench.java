package dev.skyfn.bench;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.events.StateOutbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the state outbox adds to a write of an app with a state trigger: a change of 100-byte
 * values held on the node's disk (its record encoded, the value's digest, three frames appended,
 * the file emptied), made and published to a log that answers at once, beside the event published
 * alone to that log.
 *
 * <p>Run: {@code bench/run jmh StateOutboxBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class StateOutboxBench {

    private static final AppKey APP = new AppKey("acme", "carts");
    private final byte[] before = "b".repeat(100).getBytes(StandardCharsets.UTF_8);
    private final byte[] after = "a".repeat(100).getBytes(StandardCharsets.UTF_8);
    private Path dir;
    private final EventLog log = new Nowhere();
    private StateOutbox outbox;
    private long n;

    /** A log that keeps nothing and answers at once: what is left is the outbox's own cost. */
    private static final class Nowhere implements EventLog {
        @Override
        public boolean publish(Event event) {
            return true;
        }

        @Override
        public Subscription subscribe(String name, String tenant, String pattern, int partition, Instant since, Duration ackWait,
                                      int maxUnacknowledged) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each) {
            return () -> {
            };
        }

        @Override
        public void forget(String name) {
        }

        @Override
        public void close() {
        }
    }

    @Setup
    public void open() throws IOException {
        dir = Files.createTempDirectory("skyfn-outbox-bench");
        outbox = StateOutbox.open(dir.resolve("outbox"), log, (app, key) -> Optional.of(after)).start();
    }

    @TearDown
    public void close() throws IOException {
        outbox.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Event event() {
        return new Event(APP.tenant(), "$state.carts", "e-" + n++, "/skyfn/acme/carts/state", "dev.skyfn.state.v1.changed", Instant.now(),
                "application/json", "carts/1", Map.of(), after);
    }

    @Benchmark
    public void publishedAlone() {
        log.publish(event());
    }

    @Benchmark
    public void heldMadeAndPublished() {
        outbox.hold(APP, "carts/1", before, after, event()).made();
    }
}
