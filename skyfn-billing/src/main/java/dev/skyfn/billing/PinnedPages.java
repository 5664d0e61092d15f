package dev.skyfn.billing;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.MappedByteBuffer;

/**
 * Pages of a mapped file kept in memory with {@code mlock(2)}, so that the kernel's reclaim does
 * not page them out between two writes. A journal's ring is written a record at a time by calls
 * waiting to answer: on a host that pages out file pages not touched for a while (proactive
 * reclaim, such as DAMON's {@code pageout}), each page of a ring lapped slowly was read back from
 * disk at its next write, inside the ledger's lock. Best effort: where native access is not
 * enabled ({@code --enable-native-access=ALL-UNNAMED}, or {@code Enable-Native-Access} in the jar's
 * manifest) or the lock is refused ({@code RLIMIT_MEMLOCK}), the pages are left to the kernel.
 */
final class PinnedPages {

    private static final MethodHandle MLOCK = function("mlock");
    private static final MethodHandle MUNLOCK = function("munlock");

    private PinnedPages() {
    }

    /** Locks {@code pages} in memory; whether they are. */
    static boolean lock(MappedByteBuffer pages) {
        return call(MLOCK, pages);
    }

    /** Unlocks {@code pages}, before the file is closed (its mapping lasts until it is collected). */
    static void unlock(MappedByteBuffer pages) {
        call(MUNLOCK, pages);
    }

    private static boolean call(MethodHandle function, MappedByteBuffer pages) {
        if (function == null) {
            return false;
        }
        MemorySegment segment = MemorySegment.ofBuffer(pages);
        try {
            return (int) function.invokeExact(segment, segment.byteSize()) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** {@code int name(void *addr, size_t len)} of the C library; null where native access is not enabled or it is missing. */
    private static MethodHandle function(String name) {
        if (!PinnedPages.class.getModule().isNativeAccessEnabled()) {
            return null; // calling it would print a warning on every node's start
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name)
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
