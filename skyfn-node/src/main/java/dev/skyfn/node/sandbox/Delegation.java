package dev.skyfn.node.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes a cgroup v2 group hand its controllers down to the sandboxes' groups below it. In v2 a
 * group's children get a controller only once the group lists it in {@code cgroup.subtree_control},
 * and a group other than the root may do so only while it holds no process itself. A node alone in
 * its group (a systemd service with {@code Delegate=yes}, a container) therefore moves into a leaf
 * group of its own first, {@code skyfn.<pid>.node}, as systemd asks of delegated services; a node
 * that shares its group with other processes cannot, and says so.
 */
final class Delegation {

    private Delegation() {
    }

    /** The hierarchy with its controllers handed down from its base; the base is the parent of this node's leaf once it moved. */
    static Hierarchy take(Hierarchy h, long pid) throws IOException {
        Path base = h.base();
        if (base.getFileName() != null && base.getFileName().toString().equals(leafName(pid))) {
            base = base.getParent(); // this process moved into its leaf already (another node of this process did)
        }
        Set<String> wanted = new LinkedHashSet<>(h.controllers());
        wanted.removeAll(words(Files.readString(base.resolve("cgroup.subtree_control"))));
        if (!wanted.isEmpty()) {
            try {
                enable(base, wanted);
            } catch (IOException busy) {
                moveIntoLeaf(base, pid);
                enable(base, wanted);
            }
        }
        return new Hierarchy(base, true, h.controllers());
    }

    /** What to write to {@code cgroup.subtree_control} to hand {@code controllers} down. */
    static String enabling(Set<String> controllers) {
        return String.join(" ", controllers.stream().map(c -> "+" + c).toList());
    }

    private static void enable(Path base, Set<String> controllers) throws IOException {
        Files.writeString(base.resolve("cgroup.subtree_control"), enabling(controllers));
    }

    private static void moveIntoLeaf(Path base, long pid) throws IOException {
        List<String> members = Files.readAllLines(base.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).toList();
        if (!members.equals(List.of(Long.toString(pid)))) {
            throw new IOException("its group holds other processes, and cgroup v2 hands controllers down only from a group "
                    + "that holds none; run the node in a group of its own with memory, pids and cpu delegated");
        }
        Path leaf = Files.createDirectories(base.resolve(leafName(pid)));
        Files.writeString(leaf.resolve("cgroup.procs"), Long.toString(pid));
    }

    static String leafName(long pid) {
        return "skyfn." + pid + ".node";
    }

    private static Set<String> words(String s) {
        Set<String> words = new LinkedHashSet<>(Arrays.asList(s.strip().split("\\s+")));
        words.remove("");
        return words;
    }
}
