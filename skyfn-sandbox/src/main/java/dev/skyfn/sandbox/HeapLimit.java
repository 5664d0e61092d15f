package dev.skyfn.sandbox;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * An app's heap in a sandbox JVM started with a larger one: the node gives an app of 128 MiB a
 * spare booted with 512 MiB rather than boot one of its own (and lowers the sandbox's cgroup to the
 * app's limits). The JVM's maximum heap cannot shrink once it runs, so this holds the app to its
 * own, as {@code -Xmx} would: a JVM with the app's heap has an old generation of at most
 * {@code NewRatio / (NewRatio + 1)} of it (Serial GC's sizing), so whenever the old generation holds
 * more than that, the heap is collected, and if it still holds more after the collection, the app
 * has outgrown its memory ({@link #exceeded}) where that JVM would have thrown {@code OutOfMemoryError}.
 * Uses the JVM's usage and collection-usage thresholds on its heap pools ({@link MemoryPoolMXBean}),
 * which it checks as it collects. An app that allocates faster than a collection comes may reach
 * the sandbox's cgroup limit first, and the kernel ends it ({@code SANDBOX_OUT_OF_MEMORY}).
 */
final class HeapLimit {

    private final AtomicBoolean armed = new AtomicBoolean();
    private final Consumer<String> exceeded;

    /** @param exceeded told once, with what was held, when the app's heap is outgrown */
    HeapLimit(Consumer<String> exceeded) {
        this.exceeded = exceeded;
    }

    /**
     * Holds the apps of this sandbox to {@code heapMb} MiB of heap, if that is less than the JVM's
     * own maximum; the first call that does so sets the limit, later ones (apps sharing the
     * sandbox have the same heap) change nothing. True if the limit is now enforced here.
     */
    boolean apply(int heapMb) {
        long limit = (long) heapMb << 20;
        if (heapMb <= 0 || limit >= Runtime.getRuntime().maxMemory()) {
            return false;
        }
        if (!armed.compareAndSet(false, true)) {
            return true;
        }
        long oldLimit = limit * newRatio() / (newRatio() + 1);
        List<MemoryPoolMXBean> old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported() && p.isCollectionUsageThresholdSupported())
                .toList();
        var emitter = (NotificationEmitter) ManagementFactory.getMemoryMXBean();
        emitter.addNotificationListener((notification, handback) -> {
            switch (notification.getType()) {
                // garbage promoted past the limit is not the app's to keep: collect it, as a JVM with this heap would have
                case MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED -> System.gc();
                case MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED -> {
                    var info = MemoryNotificationInfo.from((CompositeData) notification.getUserData());
                    exceeded.accept("the app's heap of " + heapMb + " MiB is full: its old generation held "
                            + (info.getUsage().getUsed() >> 20) + " MiB after a full collection, of " + (oldLimit >> 20) + " MiB it may");
                }
                default -> {
                }
            }
        }, null, null);
        for (MemoryPoolMXBean pool : old) {
            pool.setUsageThreshold(oldLimit);
            pool.setCollectionUsageThreshold(oldLimit);
        }
        return true;
    }

    /** The JVM's {@code NewRatio}: old generation to young; 2 unless set. */
    private static long newRatio() {
        var hotSpot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        return Long.parseLong(hotSpot.getVMOption("NewRatio").getValue());
    }
}
