package dev.skyfn.node.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandbox's cgroup: a directory in each hierarchy that limits it, made by {@link Cgroups}.
 * Its process joins it before it starts the sandbox ({@link #wrap}), so everything the sandbox
 * ever forks starts inside; the group goes when the sandbox has died ({@link #remove}).
 */
final class Cgroup {

    private static final Logger LOG = LoggerFactory.getLogger(Cgroup.class);
    /** A group holds processes for a moment after its sandbox exits (its namespace's last ones being reaped). */
    private static final int REMOVE_ATTEMPTS = 100;
    private static final long RETRY_MILLIS = 20;
    /** The status of a sandbox process that could not join its group: it never started the sandbox. */
    static final int COULD_NOT_JOIN = 125;

    /** No group: the host has no cgroup a sandbox can be limited by. */
    static final Cgroup NONE = new Cgroup(List.of(), List.of(), 0, group -> { });

    private final List<Path> dirs;
    private final List<Path> oomEvents;
    /** Its memory limit's files, in the order to lower them ({@link Hierarchy#memoryLimitFiles}). */
    private final List<Path> memoryLimits;
    private volatile long memoryBytes;
    private final Consumer<Cgroup> gone;
    /** Its CPU share files, with what each holds as a spare and once serving. */
    private final List<Share> shares;
    private volatile Weight weight = Weight.SERVING;

    /** Which of its share's values the group holds ({@link Hierarchy.CpuShare}). */
    enum Weight {
        /** Booting or idle, no app in it yet. */
        SPARE,
        /** Serving an app whose every function is {@code priority: batch}. */
        BATCH,
        /** Serving online work. */
        SERVING
    }

    /** A group's CPU share file and its two values ({@link Hierarchy.CpuShare}). */
    record Share(Path file, Hierarchy.CpuShare values) {
    }

    /**
     * @param dirs        the group's directory in each hierarchy
     * @param oomEvents   the files counting the group's OOM kills ({@code oom_kill N})
     * @param memoryBytes its memory limit, bytes; 0 if it has none
     * @param gone        told once the group is removed
     */
    Cgroup(List<Path> dirs, List<Path> oomEvents, long memoryBytes, Consumer<Cgroup> gone) {
        this(dirs, oomEvents, memoryBytes, gone, List.of(), List.of());
    }

    /**
     * @param shares       its CPU share files: it starts at the serving share, {@link #asSpare} lowers it
     * @param memoryLimits the files that hold its memory limit, in the order to lower them
     */
    Cgroup(List<Path> dirs, List<Path> oomEvents, long memoryBytes, Consumer<Cgroup> gone, List<Share> shares, List<Path> memoryLimits) {
        this.shares = List.copyOf(shares);
        this.memoryLimits = List.copyOf(memoryLimits);
        this.dirs = List.copyOf(dirs);
        this.oomEvents = List.copyOf(oomEvents);
        this.memoryBytes = memoryBytes;
        this.gone = gone;
    }

    /**
     * The command that runs {@code command} in this group. A shell writes its own pid into each
     * hierarchy's {@code cgroup.procs}, then becomes the command: the sandbox's first process is in
     * the group before it can fork, so nothing it starts escapes the limits. (Moving the process
     * after {@code ProcessBuilder.start()} would race bubblewrap, which forks at once, and a child
     * forked before the move stays outside.) It exits with {@link #COULD_NOT_JOIN} if it cannot join.
     */
    List<String> wrap(List<String> command) {
        if (dirs.isEmpty()) {
            return command;
        }
        // and first in line for the kernel's OOM killer, should the host run short of memory: a tenant's sandbox, not the node
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c",
                "{ echo 1000 > /proc/self/oom_score_adj; } 2>/dev/null; "
                        + "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit " + COULD_NOT_JOIN
                        + "; shift; n=$((n - 1)); done; exec \"$@\"",
                "skyfn-sandbox", Integer.toString(dirs.size())));
        dirs.forEach(d -> wrapped.add(d.resolve("cgroup.procs").toString()));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Lowers its CPU share to a spare's ({@link Hierarchy#V1_SPARE_CPU_SHARES}): it yields to sandboxes serving calls. */
    void asSpare() {
        weigh(Weight.SPARE);
    }

    /** Gives it a serving sandbox's CPU share: an online app is loading into it, or a call waits for its boot. */
    void asServing() {
        weigh(Weight.SERVING);
    }

    /** Gives it a batch sandbox's CPU share ({@link Hierarchy#V1_BATCH_CPU_SHARES}): a batch app is loading into it. */
    void asBatch() {
        weigh(Weight.BATCH);
    }

    /** The share it holds now. */
    Weight weight() {
        return weight;
    }

    private void weigh(Weight next) {
        if (weight == next) {
            return;
        }
        weight = next;
        for (Share s : shares) {
            String value = switch (next) {
                case SPARE -> s.values().spare();
                case BATCH -> s.values().batch();
                case SERVING -> s.values().serving();
            };
            try {
                Files.writeString(s.file(), value);
            } catch (IOException e) {
                LOG.debug("cannot set the CPU share {}: {}", s.file(), e.toString());
            }
        }
    }

    /** Its directory in each hierarchy. */
    List<Path> dirs() {
        return dirs;
    }

    /** Whether it limits its processes' memory. */
    boolean limitsMemory() {
        return memoryBytes > 0 && !memoryLimits.isEmpty();
    }

    /**
     * Lowers its memory limit to {@code bytes}: a spare booted for a larger heap takes in an app
     * with a smaller one. False, and the limit as it was, if the kernel refuses (its processes
     * hold more than that already: cgroup v1 answers EBUSY) or it limits no memory.
     */
    boolean limitMemory(long bytes) {
        if (!limitsMemory() || bytes > memoryBytes) {
            return false;
        }
        for (Path file : memoryLimits) {
            try {
                Files.writeString(file, Long.toString(bytes));
            } catch (IOException e) {
                LOG.warn("cannot lower the memory limit {} to {} bytes: {}", file, bytes, e.toString());
                memoryLimits.forEach(f -> restore(f, memoryBytes));
                return false;
            }
        }
        memoryBytes = bytes;
        return true;
    }

    private static void restore(Path file, long bytes) {
        try {
            Files.writeString(file, Long.toString(bytes));
        } catch (IOException e) {
            LOG.debug("cannot set {} back to {}: {}", file, bytes, e.toString());
        }
    }

    /** Its memory limit, MiB; 0 if it has none. */
    long memoryMb() {
        return memoryBytes >> 20;
    }

    /** Whether the kernel's OOM killer ended a process of this group: it outgrew its memory limit. Ask before {@link #remove}. */
    boolean outOfMemory() {
        for (Path events : oomEvents) {
            try {
                for (String line : Files.readAllLines(events)) {
                    if (line.startsWith("oom_kill ") && Long.parseLong(line.substring("oom_kill ".length()).strip()) > 0) {
                        return true;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                LOG.debug("cannot read {}: {}", events, e.toString());
            }
        }
        return false;
    }

    /**
     * Ends whatever the group still holds and removes it, trying again for about two seconds while
     * the kernel lets the last processes go; logged, not thrown, if it cannot.
     */
    CompletableFuture<Boolean> remove() {
        return attempt(1);
    }

    private CompletableFuture<Boolean> attempt(int n) {
        if (removed()) {
            gone.accept(this);
            return CompletableFuture.completedFuture(true);
        }
        if (n >= REMOVE_ATTEMPTS) {
            LOG.warn("could not remove the cgroup {}: it still holds processes", dirs);
            return CompletableFuture.completedFuture(false);
        }
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS))
                .thenCompose(ignored -> attempt(n + 1));
    }

    private boolean removed() {
        boolean all = true;
        for (Path dir : dirs) {
            try {
                killMembers(dir);
                Files.delete(dir);
            } catch (NoSuchFileException gone) {
                // removed already
            } catch (IOException busy) {
                all = false;
            }
        }
        return all;
    }

    /** Kills the processes left in a group: a sandbox's last ones, or those of a node killed by {@code kill -9}. */
    private static void killMembers(Path dir) throws IOException {
        for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Override
    public String toString() {
        return dirs.isEmpty() ? "no cgroup" : "cgroup " + dirs;
    }
}
