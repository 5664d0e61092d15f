package dev.skyfn.bench;

import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The app the events benchmark deploys. Its functions share the sandbox's memory (one app, one
 * class loader), so a function started by an event notes when it started, and another reads the
 * notes back over HTTP.
 */
public final class EventsApp {

    private EventsApp() {
    }

    static final ConcurrentLinkedQueue<Double> SINCE_SENT = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<Double> SINCE_PUBLISHED = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<Double> LATE = new ConcurrentLinkedQueue<>();
    /** Closed until "open"; closed again by "close", for a second backlog after a first has warmed the path. */
    static volatile CountDownLatch gate = new CountDownLatch(1);
    static final AtomicLong HANDLED = new AtomicLong();
    static final AtomicLong FIRST = new AtomicLong();
    static final AtomicLong LAST = new AtomicLong();

    private static double microsSince(Instant then) {
        return ChronoUnit.NANOS.between(then, Instant.now()) / 1000.0;
    }

    /** An event's latency, in µs: from the publisher's clock ({@code data.sentAt}, epoch µs) and from the event's {@code time}. */
    public static class Stamp implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) {
            Instant now = Instant.now();
            if (event.get("data") instanceof Map<?, ?> data && data.get("sentAt") instanceof Number sent) {
                long micros = sent.longValue();
                SINCE_SENT.add(ChronoUnit.NANOS.between(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), now) / 1000.0);
            }
            SINCE_PUBLISHED.add(ChronoUnit.NANOS.between(Instant.parse(String.valueOf(event.get("time"))), now) / 1000.0);
            return null;
        }
    }

    /** A tick's lateness, in µs: when its function starts, after the tick's time. */
    public static class Tick implements Handler<Map<String, Object>, String> {
        @Override
        public String handle(Map<String, Object> event, Context ctx) {
            LATE.add(microsSince(Instant.parse(String.valueOf(event.get("time")))));
            return null;
        }
    }

    /** A no-op stream function that waits for the gate first, counting what it handled and when the first and last came. */
    public static class Pass implements Handler<Map<String, Object>, Integer> {
        @Override
        public Integer handle(Map<String, Object> event, Context ctx) throws InterruptedException {
            gate.await();
            long now = System.nanoTime();
            FIRST.compareAndSet(0, now);
            LAST.accumulateAndGet(now, Math::max);
            HANDLED.incrementAndGet();
            return 1;
        }
    }

    /** "open" opens the gate, "close" closes it and zeroes the count; "count" answers handled, first and last ns; "stamps"/"ticks" answer and clear the latencies. */
    public static class Control implements Handler<String, List<Double>> {
        @Override
        public List<Double> handle(String what, Context ctx) {
            return switch (what.trim()) {
                case "open" -> {
                    gate.countDown();
                    yield List.of();
                }
                case "close" -> {
                    gate = new CountDownLatch(1);
                    HANDLED.set(0);
                    FIRST.set(0);
                    LAST.set(0);
                    yield List.of();
                }
                case "count" -> List.of((double) HANDLED.get(), (double) FIRST.get(), (double) LAST.get());
                case "sent" -> drain(SINCE_SENT);
                case "published" -> drain(SINCE_PUBLISHED);
                case "ticks" -> drain(LATE);
                default -> throw new IllegalArgumentException(what);
            };
        }

        private static List<Double> drain(ConcurrentLinkedQueue<Double> q) {
            List<Double> all = new ArrayList<>();
            for (Double d; (d = q.poll()) != null; ) {
                all.add(d);
            }
            return all;
        }
    }
}
