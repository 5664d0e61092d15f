package dev.skyfn.node.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One cgroup hierarchy that holds controllers a sandbox is limited by ({@link #CONTROLLERS}), and
 * where in it this process's own group is: sandboxes' groups are made there, so a node whose own
 * group is limited (a container, a systemd service) keeps its sandboxes within that limit.
 *
 * <p>cgroup v1 mounts a hierarchy per controller (or a few together, {@code cpu,cpuacct}); v2 has
 * one, {@link #unified}, whose file names differ. A host may have both (v1 controllers and an
 * empty v2 beside them): each controller is in exactly one hierarchy, and this finds which.
 *
 * @param base        this process's own group in the hierarchy, a directory
 * @param unified     whether it is cgroup v2
 * @param controllers the controllers of {@link #CONTROLLERS} it has
 */
record Hierarchy(Path base, boolean unified, Set<String> controllers) {

    /** The controllers sandboxes are limited by. */
    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");

    /**
     * Every sandbox gets the same CPU share. On cgroup v1 the node's own threads stay in its group,
     * where each busy thread competes as one entity of weight 1024 against a sandbox's whole group:
     * at the default weight, 64 request threads left a sandbox about 1/65 of a shared CPU, and warm
     * throughput fell to half. A sandbox's group weighs as much as the 64 threads that serve it.
     * On v2 the node sits in a leaf group of its own, one entity of the default weight, like each
     * sandbox.
     */
    static final int V1_CPU_SHARES = 64 * 1024;
    static final int V2_CPU_WEIGHT = 100;
    /**
     * A spare's share while it boots and warms up, before any app is loaded into it: one busy
     * thread's worth on v1, a tenth of a sandbox's on v2. Its JVM's start and warm-up take about a
     * second of CPU on several threads at once; at a sandbox's full share, booting spares stalled
     * the calls other sandboxes were serving on a 2-CPU host for up to a second.
     */
    static final int V1_SPARE_CPU_SHARES = 1024;
    static final int V2_SPARE_CPU_WEIGHT = 10;
    /**
     * A batch app's share once it serves: the least the kernel takes on each version, so that it
     * runs on what online sandboxes and the node leave of the CPU (a group of weight 2 against
     * one of 65,536 gets 1/32,769 of a CPU both want).
     */
    static final int V1_BATCH_CPU_SHARES = 2;
    static final int V2_BATCH_CPU_WEIGHT = 1;

    Hierarchy {
        controllers = Set.copyOf(controllers);
    }

    /**
     * A file to write in a sandbox's group, in order.
     *
     * @param required whether the sandbox must not run without it (others exist only on some
     *                 kernels: swap accounting, {@code memory.oom.group})
     */
    record Setting(String controller, String file, String value, boolean required) {
    }

    /** What to write, in this order, in a sandbox's group of this hierarchy to give it {@code limits}. */
    List<Setting> settings(Limits limits) {
        List<Setting> all = unified ? v2(limits) : v1(limits);
        return all.stream().filter(s -> controllers.contains(s.controller())).toList();
    }

    private static List<Setting> v1(Limits limits) {
        String memory = Long.toString(limits.memoryBytes());
        return List.of(
                new Setting("memory", "memory.limit_in_bytes", memory, true),
                // memory and swap together, no more than memory alone: no swap (absent without swap accounting)
                new Setting("memory", "memory.memsw.limit_in_bytes", memory, false),
                new Setting("memory", "memory.swappiness", "0", false),
                new Setting("pids", "pids.max", Integer.toString(limits.pids()), true),
                new Setting("cpu", "cpu.shares", Integer.toString(V1_CPU_SHARES), true));
    }

    private static List<Setting> v2(Limits limits) {
        return List.of(
                new Setting("memory", "memory.max", Long.toString(limits.memoryBytes()), true),
                new Setting("memory", "memory.swap.max", "0", false),
                // the OOM killer ends the whole sandbox, not one of its processes: it is dead either way
                new Setting("memory", "memory.oom.group", "1", false),
                new Setting("pids", "pids.max", Integer.toString(limits.pids()), true),
                new Setting("cpu", "cpu.weight", Integer.toString(V2_CPU_WEIGHT), true));
    }

    /** The CPU share of a sandbox's group, as a spare and once it serves, if this hierarchy has the cpu controller. */
    Optional<CpuShare> cpuShare() {
        if (!controllers.contains("cpu")) {
            return Optional.empty();
        }
        return Optional.of(unified
                ? new CpuShare("cpu.weight", Integer.toString(V2_SPARE_CPU_WEIGHT), Integer.toString(V2_BATCH_CPU_WEIGHT), Integer.toString(V2_CPU_WEIGHT))
                : new CpuShare("cpu.shares", Integer.toString(V1_SPARE_CPU_SHARES), Integer.toString(V1_BATCH_CPU_SHARES), Integer.toString(V1_CPU_SHARES)));
    }

    /** A group's CPU share file, and what it holds while the sandbox is a spare, once it serves batch work, and once it serves online work. */
    record CpuShare(String file, String spare, String batch, String serving) {
    }

    /**
     * The files of a group's memory limit, in the order to lower it: on v1 the memory limit must
     * not pass the memory-and-swap limit, so memory goes first (where the kernel accounts swap at
     * all); none if this hierarchy does not limit memory.
     */
    List<String> memoryLimitFiles() {
        if (!controllers.contains("memory")) {
            return List.of();
        }
        return unified ? List.of("memory.max") : List.of("memory.limit_in_bytes", "memory.memsw.limit_in_bytes");
    }

    /** The file whose {@code oom_kill N} line counts the processes the OOM killer ended in a group, if this hierarchy limits memory. */
    Optional<String> oomEvents() {
        if (!controllers.contains("memory")) {
            return Optional.empty();
        }
        return Optional.of(unified ? "memory.events" : "memory.oom_control");
    }

    /**
     * The hierarchies holding {@link #CONTROLLERS}, from {@code /proc/self/mountinfo} and
     * {@code /proc/self/cgroup}; {@code controllersOf} reads a v2 group's {@code cgroup.controllers}
     * (v1 hierarchies name theirs in their mount options).
     */
    static List<Hierarchy> parse(String mountinfo, String selfCgroup, Function<Path, String> controllersOf) {
        Map<String, String> ownPaths = ownPaths(selfCgroup);
        List<Hierarchy> found = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>();
        for (String line : mountinfo.lines().toList()) {
            Mount m = Mount.parse(line);
            if (m == null || !m.type().equals("cgroup")) {
                continue;
            }
            Set<String> held = new LinkedHashSet<>(CONTROLLERS);
            held.retainAll(Arrays.asList(m.options().split(",")));
            held.removeAll(taken);
            String own = held.stream().map(ownPaths::get).filter(p -> p != null).findFirst().orElse(null);
            if (!held.isEmpty() && own != null) {
                found.add(new Hierarchy(m.dirOf(own), false, held));
                taken.addAll(held);
            }
        }
        String own = ownPaths.get("");
        for (String line : mountinfo.lines().toList()) {
            Mount m = Mount.parse(line);
            if (m != null && m.type().equals("cgroup2") && own != null) {
                Path base = m.dirOf(own);
                Set<String> held = new LinkedHashSet<>(CONTROLLERS);
                held.retainAll(Arrays.asList(controllersOf.apply(base).strip().split("\\s+")));
                held.removeAll(taken);
                if (!held.isEmpty()) {
                    found.add(new Hierarchy(base, true, held));
                }
                break;
            }
        }
        return found;
    }

    /** This process's group in each hierarchy, by controller ({@code ""} for v2), from {@code /proc/self/cgroup}. */
    private static Map<String, String> ownPaths(String selfCgroup) {
        Map<String, String> paths = new java.util.HashMap<>();
        for (String line : selfCgroup.lines().toList()) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                paths.put("", f[2]);
            } else {
                Arrays.stream(f[1].split(",")).forEach(c -> paths.put(c, f[2]));
            }
        }
        return paths;
    }

    /** A line of {@code /proc/self/mountinfo}: the mount's root in its file system, where it is mounted, its type and options. */
    private record Mount(String root, Path point, String type, String options) {

        static Mount parse(String line) {
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2) {
                return null;
            }
            String[] before = halves[0].split(" ");
            String[] after = halves[1].split(" ");
            if (before.length < 5 || after.length < 3) {
                return null;
            }
            return new Mount(unescape(before[3]), Path.of(unescape(before[4])), after[0], after[2]);
        }

        /**
         * Where the group at {@code path} (as {@code /proc/self/cgroup} gives it) is under this mount.
         * A container's mount shows its own group as the mount's root; in a cgroup namespace the
         * path is already relative to it.
         */
        Path dirOf(String path) {
            String relative = path;
            if (!root.equals("/") && (path.equals(root) || path.startsWith(root + "/"))) {
                relative = path.substring(root.length());
            }
            return point.resolve(relative.replaceFirst("^/+", ""));
        }

        /** mountinfo escapes spaces, tabs, newlines and backslashes as octal. */
        private static String unescape(String s) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }
}
