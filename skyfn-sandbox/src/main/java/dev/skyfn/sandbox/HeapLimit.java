package dev.skyfn.sandbox;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * An app's heap in a sandbox JVM started with a larger one: the node gives an app of 256 MiB a
 * spare booted with 2,048 MiB rather than boot one of its own, and lowers the sandbox's cgroup to
 * the app's limit. The JVM's maximum heap cannot shrink once it runs, and the JVM sizes its heap
 * (the young generation above all) against that maximum, not the cgroup it cannot see; so this
 * holds the heap to the app's own, as {@code -Xmx} would:
 * <ul>
 *   <li>every {@link #EVERY}, a watcher reads what the heap has committed; past the app's heap it
 *       collects the whole heap, which gives garbage back (the free ratios are lowered so that a
 *       collection shrinks the heap, not only empties it);</li>
 *   <li>if the heap still holds more than the app's heap after that collection, the app has
 *       outgrown its memory where a JVM of its heap would have thrown {@code OutOfMemoryError}
 *       ({@link #apply}'s sink is told, once).</li>
 * </ul>
 * An app that allocates faster than the watcher looks may reach the sandbox's cgroup limit first
 * (its heap and a native allowance of at least 128 MiB), and the kernel ends it
 * ({@code SANDBOX_OUT_OF_MEMORY}). The fitted JVM sizes its young generation from its old one as
 * any Serial JVM does, but without the app's maximum to stop it: an app that keeps more than about
 * three fifths of its heap live commits past the app's heap with every cycle of the young
 * generation, and is collected in full about every {@link #AFTER_COLLECTION} — more often than in a
 * JVM of its own heap. Watching the heap in use instead of the committed heap (tried) let such a
 * heap grow past the cgroup before a collection came.
 *
 * <p>One per sandbox process: the JVM's heap is the process's.
 */
final class HeapLimit {

    /** How often the watcher reads the committed heap. */
    static final Duration EVERY = Duration.ofMillis(10);
    /** How long the watcher waits after it collected the heap before it looks again. */
    private static final Duration AFTER_COLLECTION = Duration.ofMillis(100);
    /**
     * Free ratios of a held heap: after a collection the heap keeps at most this share free, so it
     * shrinks back towards what is live instead of staying at its largest (HotSpot's defaults: 40 and 70).
     */
    private static final String MIN_FREE = "10";
    private static final String MAX_FREE = "20";

    private static final Object LOCK = new Object();
    /** The app's heap in bytes, 0 until a limit is set. Guarded by LOCK. */
    private static long limit;
    /** The heap the apps loaded here declare, MiB (their {@code memory}); 0 before the first load. */
    private static volatile int declaredMb;

    private HeapLimit() {
    }

    /**
     * Loads what {@link #apply} needs (the management classes take about 30 ms to load), off the
     * path of an app's load: a spare's warm-up calls it. It sets a free ratio to the value it has.
     */
    static void prepare() {
        var hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        hotSpot.setVMOption("MinHeapFreeRatio", hotSpot.getVMOption("MinHeapFreeRatio").getValue());
    }

    /**
     * Holds the apps of this sandbox to {@code heapMb} MiB of heap, if that is less than the JVM's
     * own maximum; the first call that does so sets the limit, later ones (apps sharing the
     * sandbox have the same heap) change nothing. {@code whenExceeded} is told once, with what the
     * heap held after a full collection, when the app outgrows its heap. True if the limit is
     * enforced here. The app's heap, not the JVM's, is what {@link #heapMb} answers from then on.
     */
    static boolean apply(int heapMb, Consumer<String> whenExceeded) {
        if (heapMb > 0) {
            declaredMb = heapMb;
        }
        long bytes = (long) heapMb << 20;
        if (heapMb <= 0 || bytes >= Runtime.getRuntime().maxMemory()) {
            return false;
        }
        synchronized (LOCK) {
            if (limit != 0) {
                return true;
            }
            limit = bytes;
        }
        var hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        hotSpot.setVMOption("MinHeapFreeRatio", MIN_FREE);
        hotSpot.setVMOption("MaxHeapFreeRatio", MAX_FREE);
        Thread.ofPlatform().daemon().name("skyfn-heap-limit").start(() -> watch(bytes, heapMb, whenExceeded));
        return true;
    }

    /** The heap the apps here may hold, MiB: their {@code memory} once one is loaded, else the JVM's maximum. */
    static long heapMb() {
        int declared = declaredMb;
        return declared > 0 ? declared : Runtime.getRuntime().maxMemory() >> 20;
    }

    private static void watch(long bytes, int heapMb, Consumer<String> whenExceeded) {
        Runtime runtime = Runtime.getRuntime();
        try {
            while (true) {
                Thread.sleep(EVERY);
                if (runtime.totalMemory() <= bytes) {
                    continue;
                }
                System.gc();
                long used = runtime.totalMemory() - runtime.freeMemory();
                if (used > bytes) {
                    whenExceeded.accept("the app's heap of " + heapMb + " MiB is full: " + (used >> 20)
                            + " MiB of it still in use after a full collection");
                    return;
                }
                // a heap that did not shrink all the way is looked at again later, not collected again at once
                Thread.sleep(AFTER_COLLECTION);
            }
        } catch (InterruptedException e) {
            // the sandbox is ending
        }
    }
}
