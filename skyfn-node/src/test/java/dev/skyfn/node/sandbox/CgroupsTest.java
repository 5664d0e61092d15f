package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real groups on this host: a process joins its group before it runs, is limited there, and the group goes with it. */
class CgroupsTest {

    static Cgroups cgroups;

    @BeforeAll
    static void detect() {
        cgroups = Cgroups.detect(64);
        Assumptions.assumeTrue(cgroups.limitsMemory(), cgroups.describe());
    }

    @Test
    void aProcessRunsInItsGroupFromItsStartUnderItsLimits() throws Exception {
        Cgroup group = cgroups.create(32);
        try {
            Process p = new ProcessBuilder(group.wrap(List.of("cat", "/proc/self/cgroup"))).start();
            String seen = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).isZero();
            for (Path dir : group.dirs()) {
                assertThat(seen).as("a line of /proc/self/cgroup per hierarchy").contains(dir.getFileName() + "\n");
            }
            assertThat(group.memoryMb()).isEqualTo(160);
            assertThat(group.dirs()).anySatisfy(dir -> assertThat(read(dir, "memory.limit_in_bytes", "memory.max")).isEqualTo(160L << 20));
            assertThat(group.dirs()).anySatisfy(dir -> assertThat(read(dir, "pids.max", "pids.max")).isEqualTo(64));
            assertThat(group.outOfMemory()).isFalse();
        } finally {
            assertThat(group.remove().get(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(group.dirs()).allSatisfy(dir -> assertThat(dir).doesNotExist());
    }

    @Test
    void sparesAndBatchWorkYieldTheCpuToSandboxesServingOnlineWork() throws Exception {
        Cgroup group = cgroups.create(32);
        try {
            Path cpu = group.dirs().stream().filter(d -> Files.exists(d.resolve("cpu.shares")) || Files.exists(d.resolve("cpu.weight")))
                    .findFirst().orElse(null);
            Assumptions.assumeTrue(cpu != null, "no cpu controller for sandboxes here");
            assertThat(read(cpu, "cpu.shares", "cpu.weight")).as("a serving sandbox's share")
                    .isIn((long) Hierarchy.V1_CPU_SHARES, (long) Hierarchy.V2_CPU_WEIGHT);
            group.asSpare();
            assertThat(read(cpu, "cpu.shares", "cpu.weight")).as("a spare's share")
                    .isIn((long) Hierarchy.V1_SPARE_CPU_SHARES, (long) Hierarchy.V2_SPARE_CPU_WEIGHT);
            group.asServing();
            assertThat(read(cpu, "cpu.shares", "cpu.weight")).isIn((long) Hierarchy.V1_CPU_SHARES, (long) Hierarchy.V2_CPU_WEIGHT);
            group.asBatch();
            assertThat(read(cpu, "cpu.shares", "cpu.weight")).as("a batch sandbox's share: the least the kernel takes")
                    .isIn((long) Hierarchy.V1_BATCH_CPU_SHARES, (long) Hierarchy.V2_BATCH_CPU_WEIGHT);
            assertThat(group.weight()).isEqualTo(Cgroup.Weight.BATCH);
        } finally {
            group.remove().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatOutgrowsItsMemoryIsKilledAndItsGroupSaysSo() throws Exception {
        Cgroup group = cgroups.create(32);
        // a string that doubles until it holds more than the group's 160 MiB
        Process hog = new ProcessBuilder(group.wrap(List.of("sh", "-c", "x=0123456789; while :; do x=$x$x; done"))).start();

        assertThat(hog.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(hog.exitValue()).as("SIGKILL").isEqualTo(137);
        assertThat(group.outOfMemory()).isTrue();
        assertThat(group.remove().get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void theGroupsOfADeadNodeAreEmptiedAndRemovedAndNoOthers() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Cgroup live = cgroups.create(32);
        Path base = live.dirs().getFirst().getParent();
        Path stale = Files.createDirectory(base.resolve("skyfn." + gone.pid() + ".1"));
        Process leftBehind = new ProcessBuilder(new Cgroup(List.of(stale), List.of(), 0, group -> { }).wrap(List.of("sleep", "600"))).start();
        Process bystander = new ProcessBuilder(live.wrap(List.of("sleep", "600"))).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(stale.resolve("cgroup.procs")).strip()
                .equals(Long.toString(leftBehind.pid())));

        Cgroups.removeStale(base);

        assertThat(leftBehind.waitFor(10, TimeUnit.SECONDS)).as("a sandbox its dead node left").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(stale));
        assertThat(bystander.isAlive()).as("a live node's sandbox").isTrue();
        bystander.destroyForcibly().waitFor();
        assertThat(live.remove().get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aNodeThatStopsEndsWhatIsLeftInItsGroupsAndRemovesThem() throws Exception {
        Cgroups mine = Cgroups.detect(64);
        Cgroup one = mine.create(32);
        Cgroup two = mine.create(64);
        Process left = new ProcessBuilder(one.wrap(List.of("sleep", "600"))).start();
        Process alsoLeft = new ProcessBuilder(two.wrap(List.of("sleep", "600"))).start();

        mine.removeAll(Duration.ofSeconds(5));

        assertThat(left.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(alsoLeft.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Stream.concat(one.dirs().stream(), two.dirs().stream())).allSatisfy(dir -> assertThat(dir).doesNotExist());
    }

    @Test
    void aHostWithoutCgroupsIsSaidToLimitNothingButTheHeap() {
        Cgroups none = Cgroups.none("no cgroup file system");

        assertThat(none.limitsMemory()).isFalse();
        assertThat(none.limitsProcesses()).isFalse();
        assertThat(none.describe()).isEqualTo("sandboxes are NOT limited by cgroups (no cgroup file system): no memory limit beyond "
                + "their heap, none on their processes or CPU share");
    }

    /** The number in a group's v1 or v2 file, if this group's hierarchy has it; -1 if not. */
    private static long read(Path dir, String v1, String v2) throws IOException {
        for (String name : List.of(v1, v2)) {
            if (Files.exists(dir.resolve(name))) {
                return Long.parseLong(Files.readString(dir.resolve(name)).strip());
            }
        }
        return -1;
    }
}
