package dev.skyfn.sandbox;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.function.Consumer;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * An app's heap in a sandbox JVM started with a larger one: the node gives an app of 128 MiB a
 * spare booted with 512 MiB rather than boot one of its own (and lowers the sandbox's cgroup to the
 * app's limits). The JVM's maximum heap cannot shrink once it runs, so this holds the app to its
 * own, as {@code -Xmx} would: a JVM with the app's heap has an old generation of at most
 * {@code NewRatio / (NewRatio + 1)} of it (Serial GC's sizing), so whenever the old generation holds
 * more than that, the heap is collected, and if it still holds more after the collection, the app
 * has outgrown its memory where that JVM would have thrown {@code OutOfMemoryError}. Uses the JVM's
 * usage and collection-usage thresholds on its heap pools ({@link MemoryPoolMXBean}), which it
 * checks as it collects. An app that allocates faster than a collection comes may reach the
 * sandbox's cgroup limit first, and the kernel ends it ({@code SANDBOX_OUT_OF_MEMORY}).
 *
 * <p>One per sandbox process: the JVM's heap is the process's.
 */
final class HeapLimit {

    private static final Object LOCK = new Object();
    /** Told, once, when the heap is outgrown; null until a limit is set. Guarded by LOCK. */
    private static Consumer<String> exceeded;
    private static int heapMb;
    private static long oldLimit;

    private HeapLimit() {
    }

    /**
     * The JVM's heap pools that have an old generation's thresholds, and its {@code NewRatio}, looked
     * up once: the management classes take about 30 ms to load, which a spare pays in its warm-up
     * ({@link #prepare}) rather than the call waiting on an app's load.
     */
    private static final class Jvm {
        static final List<MemoryPoolMXBean> OLD = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported() && p.isCollectionUsageThresholdSupported())
                .toList();
        static final long NEW_RATIO = Long.parseLong(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("NewRatio").getValue());

        static {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener((n, handback) -> told(n), null, null);
        }
    }

    /** Loads what {@link #apply} needs, off the path of an app's load. */
    static void prepare() {
        Jvm.OLD.size();
    }

    /**
     * Holds the apps of this sandbox to {@code heapMb} MiB of heap, if that is less than the JVM's
     * own maximum; the first call that does so sets the limit, later ones (apps sharing the
     * sandbox have the same heap) change nothing. {@code whenExceeded} is told once, with what the
     * old generation held, when the heap is outgrown. True if the limit is enforced here.
     */
    static boolean apply(int heapMb, Consumer<String> whenExceeded) {
        long limit = (long) heapMb << 20;
        if (heapMb <= 0 || limit >= Runtime.getRuntime().maxMemory()) {
            return false;
        }
        synchronized (LOCK) {
            if (exceeded != null) {
                return true;
            }
            HeapLimit.heapMb = heapMb;
            oldLimit = limit * Jvm.NEW_RATIO / (Jvm.NEW_RATIO + 1);
            exceeded = whenExceeded;
            for (MemoryPoolMXBean pool : Jvm.OLD) {
                pool.setUsageThreshold(oldLimit);
                pool.setCollectionUsageThreshold(oldLimit);
            }
        }
        return true;
    }

    private static void told(Notification n) {
        switch (n.getType()) {
            // garbage promoted past the limit is not the app's to keep: collect it, as a JVM with this heap would have
            case MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED -> System.gc();
            case MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED -> {
                Consumer<String> tell;
                String why;
                synchronized (LOCK) {
                    tell = exceeded;
                    exceeded = reason -> { }; // told once: a later collection changes nothing
                    why = "the app's heap of " + heapMb + " MiB is full: its old generation held "
                            + (MemoryNotificationInfo.from((CompositeData) n.getUserData()).getUsage().getUsed() >> 20)
                            + " MiB after a full collection, of " + (oldLimit >> 20) + " MiB it may";
                }
                if (tell != null) {
                    tell.accept(why);
                }
            }
            default -> {
            }
        }
    }
}
