package dev.skyfn.node.sandbox;

/**
 * What one sandbox may use of its host, enforced by its cgroup where the host offers one
 * ({@link Cgroups}).
 *
 * @param memoryBytes what the sandbox's processes may hold in memory in all, bytes: its heap plus
 *                    {@link #nativeAllowanceMb} of native memory; swap is not given on top. Files
 *                    it writes to its {@code /tmp} are memory (tmpfs) and count too
 * @param pids        processes and threads it may run at once, its JVM's own threads included
 */
record Limits(long memoryBytes, int pids) {

    /** The native allowance's floor, MiB: what a small sandbox JVM needs besides its heap. */
    static final int MIN_NATIVE_MB = 128;

    Limits {
        if (memoryBytes <= 0 || pids <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + memoryBytes + " bytes, " + pids + " pids");
        }
    }

    /** The limits of a sandbox whose heap is {@code heapMb} MiB. */
    static Limits forHeap(int heapMb, int pids) {
        return new Limits((long) memoryMb(heapMb) << 20, pids);
    }

    /** What a sandbox whose heap is {@code heapMb} MiB may hold in memory in all, MiB: its heap plus its native allowance. */
    static int memoryMb(int heapMb) {
        return heapMb + nativeAllowanceMb(heapMb);
    }

    /**
     * Memory a sandbox may use beside its heap, MiB: {@code max(128, heap / 2)}. A sandbox JVM holds
     * metaspace (up to 256 MiB by its flags, about 20 MiB in practice), the JIT's code cache, its
     * threads' stacks, the garbage collector's own structures and direct buffers, which grow with the
     * heap. A sandbox at rest holds about 50 MiB in all, its heap's first few MiB included; 128 MiB
     * leaves room for a function's own native libraries and buffers.
     */
    static int nativeAllowanceMb(int heapMb) {
        return Math.max(MIN_NATIVE_MB, heapMb / 2);
    }

    long memoryMb() {
        return memoryBytes >> 20;
    }
}
