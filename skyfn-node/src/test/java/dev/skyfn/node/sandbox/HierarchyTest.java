package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.node.sandbox.Hierarchy.Setting;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which hierarchies hold a sandbox's limits, where its groups go, and which files get which values. */
class HierarchyTest {

    private static final Limits LIMITS = Limits.forHeap(256, 512);
    private static final String MIB_384 = Long.toString(384L << 20);

    /** A Debian 12 VM: a v1 hierarchy per controller, an empty v2 beside them, and a memory group made for the session. */
    @Test
    void v1ControllersBesideAnEmptyV2AreEachInTheirOwnHierarchyUnderThisProcesssGroup() {
        String mountinfo = """
                30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
                34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
                39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
                40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                """;
        String self = """
                9:name=systemd:/
                8:pids:/
                4:memory:/process_api/e138
                2:cpuacct:/
                1:cpu:/
                0::/
                """;

        List<Hierarchy> found = Hierarchy.parse(mountinfo, self, controllers(Map.of("/sys/fs/cgroup/unified", "")));

        assertThat(found).containsExactly(
                new Hierarchy(Path.of("/sys/fs/cgroup/cpu"), false, Set.of("cpu")),
                new Hierarchy(Path.of("/sys/fs/cgroup/memory/process_api/e138"), false, Set.of("memory")),
                new Hierarchy(Path.of("/sys/fs/cgroup/pids"), false, Set.of("pids")));
    }

    /** A systemd host with only v2: one hierarchy, the node's service as the base. */
    @Test
    void aUnifiedHierarchyHoldsEveryControllerItsGroupOffers() {
        String mountinfo = "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        String self = "0::/system.slice/skyfn.service\n";

        List<Hierarchy> found = Hierarchy.parse(mountinfo, self,
                controllers(Map.of("/sys/fs/cgroup/system.slice/skyfn.service", "cpuset cpu io memory hugetlb pids rdma misc\n")));

        assertThat(found).containsExactly(new Hierarchy(Path.of("/sys/fs/cgroup/system.slice/skyfn.service"), true,
                Set.of("memory", "pids", "cpu")));
    }

    @Test
    void aV2GroupWithoutTheControllersHandedDownIsNoHierarchyForSandboxes() {
        String mountinfo = "25 21 0:22 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n";

        assertThat(Hierarchy.parse(mountinfo, "0::/user.slice/session-1.scope\n", controllers(Map.of()))).isEmpty();
        assertThat(Hierarchy.parse(mountinfo, "0::/\n", controllers(Map.of("/sys/fs/cgroup", "io\n")))).isEmpty();
    }

    /** A container: its mounts show its own group as their root, co-mounted cpu and cpuacct, a mount point with a space. */
    @Test
    void aContainersMountsShowItsOwnGroupAsTheirRoot() {
        String mountinfo = """
                601 600 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw,nosuid master:12 - cgroup cgroup rw,cpu,cpuacct
                602 600 0:41 /docker/abc /sys/fs/cgroup/my\\040memory rw,nosuid master:13 - cgroup cgroup rw,memory
                603 600 0:42 /docker/abc /sys/fs/cgroup/pids ro,nosuid master:14 - cgroup cgroup rw,pids
                """;
        String self = """
                12:pids:/docker/abc/worker
                11:cpu,cpuacct:/docker/abc
                10:memory:/
                """;

        assertThat(Hierarchy.parse(mountinfo, self, controllers(Map.of()))).containsExactly(
                new Hierarchy(Path.of("/sys/fs/cgroup/cpu,cpuacct"), false, Set.of("cpu")),
                new Hierarchy(Path.of("/sys/fs/cgroup/my memory"), false, Set.of("memory")),
                new Hierarchy(Path.of("/sys/fs/cgroup/pids/worker"), false, Set.of("pids")));
    }

    @Test
    void v1LimitsMemoryWithoutSwapItsProcessesAndGivesTheDefaultCpuShares() {
        var all = new Hierarchy(Path.of("/cg"), false, Set.of("memory", "pids", "cpu"));

        assertThat(all.settings(LIMITS)).containsExactly(
                new Setting("memory", "memory.limit_in_bytes", MIB_384, true),
                new Setting("memory", "memory.memsw.limit_in_bytes", MIB_384, false),
                new Setting("memory", "memory.swappiness", "0", false),
                new Setting("pids", "pids.max", "512", true),
                new Setting("cpu", "cpu.shares", "65536", true));
        assertThat(all.oomEvents()).hasValue("memory.oom_control");
        assertThat(all.memoryLimitFiles()).as("lowered memory first: it may not pass memory and swap")
                .containsExactly("memory.limit_in_bytes", "memory.memsw.limit_in_bytes");
    }

    @Test
    void v2LimitsMemoryWithoutSwapKillsTheWholeGroupOnOomAndGivesTheDefaultCpuWeight() {
        var all = new Hierarchy(Path.of("/cg"), true, Set.of("memory", "pids", "cpu"));

        assertThat(all.settings(LIMITS)).containsExactly(
                new Setting("memory", "memory.max", MIB_384, true),
                new Setting("memory", "memory.swap.max", "0", false),
                new Setting("memory", "memory.oom.group", "1", false),
                new Setting("pids", "pids.max", "512", true),
                new Setting("cpu", "cpu.weight", "100", true));
        assertThat(all.oomEvents()).hasValue("memory.events");
        assertThat(all.memoryLimitFiles()).containsExactly("memory.max");
    }

    @Test
    void aHierarchyWritesOnlyTheFilesOfItsOwnControllers() {
        assertThat(new Hierarchy(Path.of("/cg/pids"), false, Set.of("pids")).settings(LIMITS))
                .containsExactly(new Setting("pids", "pids.max", "512", true));
        assertThat(new Hierarchy(Path.of("/cg/pids"), false, Set.of("pids")).oomEvents()).isEmpty();
        assertThat(new Hierarchy(Path.of("/cg/pids"), false, Set.of("pids")).memoryLimitFiles()).isEmpty();
        assertThat(new Hierarchy(Path.of("/cg"), true, Set.of("memory")).settings(LIMITS)).extracting(Setting::file)
                .containsExactly("memory.max", "memory.swap.max", "memory.oom.group");
    }

    @Test
    void aV2GroupHandsControllersDownByNamingThemWithAPlus() {
        assertThat(Delegation.enabling(new java.util.LinkedHashSet<>(List.of("memory", "pids", "cpu")))).isEqualTo("+memory +pids +cpu");
    }

    private static java.util.function.Function<Path, String> controllers(Map<String, String> byGroup) {
        return group -> byGroup.getOrDefault(group.toString(), "");
    }
}
