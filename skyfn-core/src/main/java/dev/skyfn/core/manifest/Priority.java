package dev.skyfn.core.manifest;

/**
 * Whether a function's calls are waited for by a user or not (manifest field {@code priority}):
 * online work comes before batch work on a shared node, as in the co-location of online and
 * offline jobs on one machine (TencentOS "Ruyi"; Linux's {@code SCHED_IDLE} groups).
 */
public enum Priority {
    /** A caller waits for the answer: the default. */
    ONLINE,
    /**
     * Throughput work no one waits on call by call (reports, ETL, training). On a node its sandbox
     * runs at the least CPU weight (cgroup {@code cpu.shares} 2 on v1, {@code cpu.weight} 1 on v2),
     * so it takes only the CPU online sandboxes leave; its cold starts wait until no online one
     * does; a node short of room retires its idle sandbox first; and in a fleet it never makes the
     * fleet acquire capacity: it runs on the nodes there are.
     */
    BATCH
}
