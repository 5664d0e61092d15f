package dev.skyfn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time (user and system, ns) a process and its descendants have used so far, from each
 * thread's {@code /proc/<pid>/task/<tid>/stat}, the JIT compiler threads' apart: on a node pinned
 * to one CPU the compilers still run a minute after start, and their share is the JIT's, not the
 * calls'. Resolution: one clock tick (10 ms).
 */
record CpuTime(long nanos, long jitNanos) {

    /** Linux's USER_HZ on every architecture Java runs on here. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    static CpuTime of(Process process) {
        long[] sums = new long[2];
        Stream.concat(Stream.of(process.toHandle()), process.descendants()).forEach(p -> {
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                tasks.forEach(task -> add(task, sums));
            } catch (IOException gone) {
                // the process ended between the listing and the read: its time is lost with it
            }
        });
        return new CpuTime(sums[0] * NANOS_PER_TICK, sums[1] * NANOS_PER_TICK);
    }

    private static void add(Path task, long[] sums) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // fields after the command, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            String comm = Files.readString(task.resolve("comm")).strip();
            sums[comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre") ? 1 : 0] += ticks;
        } catch (IOException | RuntimeException gone) {
            // the thread ended between the listing and the read
        }
    }

    CpuTime minus(CpuTime earlier) {
        return new CpuTime(nanos - earlier.nanos, jitNanos - earlier.jitNanos);
    }
}
