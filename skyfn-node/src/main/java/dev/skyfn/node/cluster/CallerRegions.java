package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the calls this node's gateway takes, per app and per user region they came from, over a
 * sliding window: what its heartbeat reports, and the fleet places apps near their users by. The
 * call path only adds one to a counter; the counters are emptied into the window at each report.
 */
final class CallerRegions {

    /** How many control ticks the window spans: long enough that a burst moves nothing, short enough to follow users moving. */
    static final int WINDOW_TICKS = 30;

    private final ConcurrentHashMap<AppKey, ConcurrentHashMap<String, LongAdder>> counting = new ConcurrentHashMap<>();
    private final ArrayDeque<Slice> window = new ArrayDeque<>();
    private final Duration span;
    private final Clock clock;

    /** The calls counted between two reports, per app ({@code tenant/app}) and region. */
    private record Slice(Instant at, Map<String, Map<String, Long>> calls) {
    }

    /** @param span how far back a report counts */
    CallerRegions(Duration span, Clock clock) {
        this.span = span;
        this.clock = clock;
    }

    /** One call to {@code app} from users in {@code region}. */
    void count(AppKey app, String region) {
        counting.computeIfAbsent(app, k -> new ConcurrentHashMap<>()).computeIfAbsent(region, r -> new LongAdder()).increment();
    }

    /** The calls of the last window per app ({@code tenant/app}) and region; apps with none left out. */
    synchronized Map<String, Map<String, Long>> lately() {
        Map<String, Map<String, Long>> slice = new HashMap<>();
        counting.forEach((app, regions) -> regions.forEach((region, n) -> {
            long calls = n.sumThenReset();
            if (calls > 0) {
                slice.computeIfAbsent(app.toString(), k -> new HashMap<>()).put(region, calls);
            }
        }));
        Instant now = clock.instant();
        window.addLast(new Slice(now, slice));
        while (window.getFirst().at().isBefore(now.minus(span))) {
            window.removeFirst();
        }
        Map<String, Map<String, Long>> sum = new HashMap<>();
        window.forEach(s -> s.calls().forEach((app, regions) -> regions.forEach((region, n) ->
                sum.computeIfAbsent(app, k -> new HashMap<>()).merge(region, n, Long::sum))));
        return sum;
    }
}
