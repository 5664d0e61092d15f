package dev.skyfn.node.sandbox;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * How many spares the pool keeps, from the rate of recent cold starts: {@link #target} decides,
 * a pure function of what was counted, the boot time and the memory budget; an instance counts
 * the cold starts of the last {@link #WINDOW}, read at an explicit {@code now}. Not thread-safe:
 * the pool guards it.
 */
final class SpareDemand {

    /** How far back cold starts count: long enough to see a burst's rate, short enough to fall back soon after it. */
    static final Duration WINDOW = Duration.ofSeconds(10);

    /** When each cold start of the window happened, {@link System#nanoTime} scale, oldest first. */
    private final Deque<Long> coldStarts = new ArrayDeque<>();

    /** Counts a cold start at {@code nowNanos}. */
    void coldStart(long nowNanos) {
        coldStarts.addLast(nowNanos);
        forget(nowNanos);
    }

    /** Cold starts counted in the {@link #WINDOW} that ends at {@code nowNanos}. */
    int coldStarts(long nowNanos) {
        forget(nowNanos);
        return coldStarts.size();
    }

    private void forget(long nowNanos) {
        while (!coldStarts.isEmpty() && nowNanos - coldStarts.peekFirst() >= WINDOW.toNanos()) {
            coldStarts.pollFirst();
        }
    }

    /**
     * Spares to keep in all. At least {@code floor} (the operator's {@code --spares}, kept whatever it
     * costs); while cold starts are frequent, as many as would be taken while one spare boots — the
     * {@code coldStarts} seen in {@code window}, scaled to one {@code boot}, rounded up — as long as
     * the spares, shared among the {@code wanted} heap sizes as {@link SandboxPool#targets} shares
     * them, fit in {@code budgetMb} MiB, each counted at its memory limit ({@link Limits#memoryMb}).
     */
    static int target(int floor, int coldStarts, Duration window, Duration boot, List<Integer> wanted, long budgetMb) {
        long demand = Math.ceilDiv(coldStarts * boot.toNanos(), window.toNanos());
        // every spare holds more than its native allowance: no more than this many can fit, whatever their sizes
        long most = Math.min(demand, budgetMb / Limits.MIN_NATIVE_MB);
        for (long n = most; n > floor; n--) {
            if (memoryMb(SandboxPool.targets(wanted, (int) n)) <= budgetMb) {
                return (int) n;
            }
        }
        return floor;
    }

    /** What spares of these heap sizes (size to count) hold at most, MiB. */
    private static long memoryMb(Map<Integer, Integer> spares) {
        return spares.entrySet().stream().mapToLong(e -> (long) Limits.memoryMb(e.getKey()) * e.getValue()).sum();
    }
}
