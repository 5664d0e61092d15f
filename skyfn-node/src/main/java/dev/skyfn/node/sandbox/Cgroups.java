package dev.skyfn.node.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroups this host lets a node put its sandboxes in, found when the node starts: each
 * sandbox gets a group of its own in every hierarchy that holds the memory, pids or cpu
 * controller ({@link Hierarchy}), limiting its memory to its heap plus a native allowance
 * ({@link Limits}, no swap), its processes and threads to {@code pids}, and giving it the same CPU
 * share as every other sandbox. Works with cgroup v1, v2, and hosts that have both.
 *
 * <p>Groups are named {@code skyfn.<node pid>.<n>} in this process's own group of each hierarchy;
 * those of a node that no longer runs (killed by {@code kill -9}) are emptied and removed by the
 * next node to start there, as {@code RunDirs} does with run directories.
 */
public final class Cgroups {

    private static final Logger LOG = LoggerFactory.getLogger(Cgroups.class);
    private static final Pattern NAME = Pattern.compile("skyfn\\.(\\d+)\\..+");
    private static final long PID = ProcessHandle.current().pid();
    /** Unique in this process, which may run several nodes (tests do). */
    private static final AtomicLong GROUPS = new AtomicLong();

    private final List<Hierarchy> hierarchies;
    private final int pids;
    /** Why a controller limits no sandbox, by controller. */
    private final Map<String, String> missing;
    /** The groups this node made that are not removed yet. */
    private final Set<Cgroup> groups = ConcurrentHashMap.newKeySet();

    private Cgroups(List<Hierarchy> hierarchies, int pids, Map<String, String> missing) {
        this.hierarchies = List.copyOf(hierarchies);
        this.pids = pids;
        this.missing = Map.copyOf(missing);
    }

    /** No cgroups: sandboxes are limited by nothing but their heap, for the reason given. */
    public static Cgroups none(String why) {
        Map<String, String> missing = new LinkedHashMap<>();
        Hierarchy.CONTROLLERS.forEach(c -> missing.put(c, why));
        return new Cgroups(List.of(), 0, missing);
    }

    /**
     * The groups this host offers for sandboxes of at most {@code pids} processes and threads each:
     * every hierarchy that holds one of the controllers and in which this process can make a group
     * and write its limits (it tries). Removes the groups of nodes that no longer run.
     */
    public static Cgroups detect(int pids) {
        List<Hierarchy> found;
        try {
            found = Hierarchy.parse(Files.readString(Path.of("/proc/self/mountinfo")), Files.readString(Path.of("/proc/self/cgroup")),
                    base -> readQuietly(base.resolve("cgroup.controllers")));
        } catch (IOException e) {
            return none("cannot read this process's cgroups: " + e.getMessage());
        }
        List<Hierarchy> usable = new ArrayList<>();
        Map<String, String> missing = new LinkedHashMap<>();
        Hierarchy.CONTROLLERS.forEach(c -> missing.put(c, "no cgroup hierarchy offers this process's group the " + c + " controller"));
        for (Hierarchy h : found) {
            try {
                Hierarchy ready = h.unified() ? Delegation.take(h, PID) : h;
                removeStale(ready.base());
                probe(ready, pids);
                usable.add(ready);
                ready.controllers().forEach(missing::remove);
            } catch (IOException e) {
                h.controllers().forEach(c -> missing.put(c, "cannot make a group in " + h.base() + ": " + e.getMessage()));
            }
        }
        return new Cgroups(usable, pids, missing);
    }

    /** Whether sandboxes' memory is limited beyond their heap. */
    public boolean limitsMemory() {
        return !missing.containsKey("memory");
    }

    /** Whether sandboxes' processes and threads are limited in number. */
    public boolean limitsProcesses() {
        return !missing.containsKey("pids");
    }

    /** One line for the node's log and the operator: what a sandbox is limited to. */
    public String describe() {
        if (hierarchies.isEmpty()) {
            return "sandboxes are NOT limited by cgroups (" + missing.values().stream().distinct().collect(Collectors.joining("; "))
                    + "): no memory limit beyond their heap, none on their processes or CPU share";
        }
        List<String> limits = new ArrayList<>();
        if (limitsMemory()) {
            limits.add("memory to their heap + max(" + Limits.MIN_NATIVE_MB + " MiB, heap / 2), no swap");
        }
        if (limitsProcesses()) {
            limits.add(pids + " processes and threads each");
        }
        if (!missing.containsKey("cpu")) {
            limits.add("an equal CPU share");
        }
        missing.forEach((controller, why) -> limits.add(switch (controller) {
            case "memory" -> "NO memory limit beyond their heap (" + why + ")";
            case "pids" -> "no limit on their processes and threads (" + why + ")";
            default -> "no CPU share of their own (" + why + ")";
        }));
        String where = hierarchies.stream().map(h -> (h.unified() ? "v2 " : "v1 ") + h.base()).collect(Collectors.joining(", "));
        return "sandboxes are limited by cgroups (" + where + "): " + String.join("; ", limits);
    }

    /** A new group for a sandbox with a heap of {@code heapMb} MiB, its limits written; {@link Cgroup#NONE} where there are no cgroups. */
    Cgroup create(int heapMb) throws IOException {
        if (hierarchies.isEmpty()) {
            return Cgroup.NONE;
        }
        Limits limits = Limits.forHeap(heapMb, pids);
        String name = "skyfn." + PID + "." + GROUPS.incrementAndGet();
        List<Path> dirs = new ArrayList<>();
        List<Path> oomEvents = new ArrayList<>();
        List<Cgroup.Share> shares = new ArrayList<>();
        List<Path> memoryLimits = new ArrayList<>();
        try {
            for (Hierarchy h : hierarchies) {
                Path dir = Files.createDirectory(h.base().resolve(name));
                dirs.add(dir);
                write(dir, h.settings(limits));
                h.memoryLimitFiles().stream().map(dir::resolve).filter(Files::exists).forEach(memoryLimits::add);
                h.oomEvents().ifPresent(file -> oomEvents.add(dir.resolve(file)));
                h.cpuShare().ifPresent(share -> shares.add(new Cgroup.Share(dir.resolve(share.file()), share)));
            }
        } catch (IOException e) {
            new Cgroup(dirs, List.of(), 0, group -> { }).remove();
            throw new IOException("cannot make the sandbox's cgroup: " + e.getMessage(), e);
        }
        Cgroup made = new Cgroup(dirs, oomEvents, limitsMemory() ? limits.memoryBytes() : 0, groups::remove, shares, memoryLimits);
        groups.add(made);
        return made;
    }

    /**
     * Ends what is left in the groups this node made and removes them, waiting up to {@code timeout}
     * for the kernel to let them go: a node that stops leaves none behind.
     */
    void removeAll(java.time.Duration timeout) {
        try {
            CompletableFuture.allOf(groups.stream().map(Cgroup::remove).toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("some sandboxes' cgroups are still there; the next node to start here removes them");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes a group's limits; one that only some kernels have is skipped where this one lacks it. */
    private static void write(Path dir, List<Hierarchy.Setting> settings) throws IOException {
        for (Hierarchy.Setting s : settings) {
            try {
                Files.writeString(dir.resolve(s.file()), s.value());
            } catch (IOException e) {
                if (s.required()) {
                    throw new IOException("cannot write " + s.value() + " to " + dir.resolve(s.file()) + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Makes and removes a group with a sandbox's limits: where that fails, sandboxes would fail to start. */
    private static void probe(Hierarchy h, int pids) throws IOException {
        Path dir = h.base().resolve("skyfn." + PID + ".probe-" + GROUPS.incrementAndGet());
        Files.createDirectory(dir);
        try {
            write(dir, h.settings(Limits.forHeap(dev.skyfn.core.manifest.FunctionSpec.DEFAULT_MEMORY_MB, pids)));
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Empties and removes the groups of skyfn processes that no longer run, in every hierarchy
     * sandboxes use: done again while the node runs, since a node killed just before this one
     * started was still exiting when it looked at start.
     */
    public void removeStale() {
        hierarchies.forEach(h -> removeStale(h.base()));
    }

    /** Empties and removes the groups in {@code base} of skyfn processes that no longer run. */
    static void removeStale(Path base) {
        try (Stream<Path> all = Files.list(base)) {
            all.filter(Cgroups::stale).forEach(dir -> {
                LOG.info("removing the cgroup {}, left by a skyfn process that no longer runs", dir);
                new Cgroup(List.of(dir), List.of(), 0, group -> { }).remove();
            });
        } catch (IOException e) {
            LOG.warn("could not look for stale cgroups in {}: {}", base, e.getMessage());
        }
    }

    private static boolean stale(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(dir)) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException tooLong) {
            return false;
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
