package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.testing.JarBuilder;
import dev.skyfn.node.apps.Hello;
import dev.skyfn.node.apps.Hostile;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile tenant on a node with keys, trying with nothing but the JDK what a function must not be
 * able to do to the host; after each attack, another tenant's function still answers. The walls are
 * the OS's ({@code bubblewrap} namespaces, cgroups), so this test needs a host that has them (CI
 * installs bubblewrap; the memory and pids cgroup controllers need a node that may make groups, as
 * root on CI's machines).
 */
@Tag("slow")
class HostileTenantTest {

    private static final int TMP_MIB = 16;
    private static final int PIDS = 256;

    @TempDir
    static Path dir;
    static TestNode node;
    static TestNode mallory;
    static TestNode bystander;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(TestNode.config(dir).sandboxTmpBytes(TMP_MIB << 20).sandboxPids(PIDS).build(), false);
        assertThat(node.platform.node().confinement().confines()).as(node.platform.node().confinement().describe()).isTrue();
        TestNode admin = node.as(Files.readString(dir.resolve("admin.key")).trim());
        mallory = admin.tenant("mallory");
        bystander = admin.tenant("bystander");
        deployHostile();
        var deployed = bystander.deploy(JarBuilder.app("app: shop\nfunctions: {hello: {handler: dev.skyfn.node.apps.Hello}}")
                .classes(Hello.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    private static void deployHostile() {
        var deployed = mallory.deploy(JarBuilder.app("""
                app: evil
                functions:
                  read: {handler: dev.skyfn.node.apps.Hostile$Read}
                  processes: {handler: dev.skyfn.node.apps.Hostile$Processes}
                  kill: {handler: dev.skyfn.node.apps.Hostile$Kill}
                  spawn: {handler: dev.skyfn.node.apps.Hostile$Spawn}
                  fill: {handler: dev.skyfn.node.apps.Hostile$FillDisk}
                  env: {handler: dev.skyfn.node.apps.Hostile$Environment}
                  connect: {handler: dev.skyfn.node.apps.Hostile$Connect}
                  hog: {handler: dev.skyfn.node.apps.Hostile$NativeHog}
                  forkbomb: {handler: dev.skyfn.node.apps.Hostile$ForkBomb}
                  syscall: {handler: dev.skyfn.node.apps.Hostile$Syscall}
                  write: {handler: dev.skyfn.node.apps.Hostile$WriteIn}
                """).classes(Hostile.class));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        var offline = mallory.deploy(JarBuilder.app("""
                app: offline
                network: none
                functions:
                  connect: {handler: dev.skyfn.node.apps.Hostile$Connect}
                """).classes(Hostile.class));
        assertThat(offline.statusCode()).as(offline.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @AfterEach
    void theBystanderStillAnswers() {
        HttpResponse<String> res = bystander.invoke("shop", "hello", "bystander");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.body()).isEqualTo("Hello, bystander!");
    }

    private static String attack(String function, String input) {
        return attack("evil", function, input);
    }

    private static String attack(String app, String function, String input) {
        HttpResponse<String> res = mallory.invoke(app, function, input);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return res.body();
    }

    @Test
    void cannotReadTheNodesDataOrAnotherTenantsJar() {
        for (String path : List.of(dir.resolve("admin.key"), dir.resolve("tenants.json"), dir.resolve("apps"), dir)
                .stream().map(Path::toString).toList()) {
            assertThat(attack("read", path)).as(path).startsWith("blocked: NoSuchFileException");
        }
        assertThat(attack("read", System.getProperty("java.io.tmpdir"))).as("the host's /tmp, with the node's sockets")
                .doesNotContain("skyfn.");
    }

    @Test
    void seesNeitherTheNodesProcessNorItsEnvironment() {
        long nodePid = ProcessHandle.current().pid();
        String seen = attack("processes", "");
        assertThat(seen.lines()).as(seen).hasSizeLessThanOrEqualTo(3).noneMatch(l -> l.startsWith(nodePid + " "))
                .noneMatch(l -> l.contains("surefire") || l.contains("junit"));
        assertThat(attack("read", "/proc/" + nodePid + "/environ")).startsWith("blocked: NoSuchFileException");
        assertThat(attack("env", "").split(",")).as("none of the node's environment").isSubsetOf("LANG", "PATH", "PWD");
        String first = attack("read", "/proc/1/environ");
        assertThat(first).as("the environment its first process started with").startsWith("read: ")
                .doesNotContain(dir.toString()).doesNotContain(System.getProperty("java.io.tmpdir"))
                .as("the sandbox's own PATH, whatever the host's").contains("PATH=/usr/bin:/bin\u0000");
    }

    @Test
    void isFirstInLineForTheKernelsOomKillerNotTheNode() {
        assertThat(attack("read", "/proc/self/oom_score_adj")).isEqualTo("read: 1000\n");
    }

    @Test
    void cannotWriteAnywhereButItsOwnTmp() {
        for (String where : List.of("/", "/run", "/etc", "/usr")) {
            assertThat(attack("write", where)).as(where).startsWith("blocked: ");
        }
        assertThat(attack("write", "/tmp")).isEqualTo("wrote in /tmp");
    }

    @Test
    void cannotKillTheNodeOrAnotherTenantsSandbox() {
        List<Long> targets = new java.util.ArrayList<>(sandboxPids());
        targets.add(ProcessHandle.current().pid());
        assertThat(targets).hasSizeGreaterThan(1);
        for (long pid : targets) {
            assertThat(attack("kill", Long.toString(pid))).as("pid %d", pid).startsWith("blocked");
        }
        assertThat(sandboxPids()).containsAll(targets.subList(0, targets.size() - 1));
    }

    @Test
    void processesAFunctionStartsDieWithItsSandbox() {
        String marker = "4242." + ProcessHandle.current().pid();
        assertThat(attack("spawn", marker)).startsWith("started");
        await().atMost(Duration.ofSeconds(10)).until(() -> sleepers(marker) > 0);
        assertThat(mallory.send("DELETE", "/v1/apps/evil", null).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).until(() -> sleepers(marker) == 0);
        deployHostile();
    }

    @Test
    void cannotFillTheDisk() {
        assertThat(attack("fill", Integer.toString(TMP_MIB * 4))).matches("blocked after \\d+ MiB: .*No space left on device.*");
        assertThat(attack("fill", Integer.toString(TMP_MIB / 2))).as("the space comes back").isEqualTo("wrote " + TMP_MIB / 2 + " MiB");
    }

    @Test
    void cannotWriteWhereSandboxesMeetForDirectCalls() {
        assertThat(attack("write", "/run/skyfn/listen")).as("where its own socket is").startsWith("blocked: ");
        assertThat(attack("write", "/run/skyfn/peers")).as("where the node links the sockets it may call").startsWith("blocked: ");
        assertThat(attack("write", "chmod /run/skyfn/listen")).as("after making the directory its own to write").startsWith("blocked: ");
        assertThat(attack("write", "chmod /run/skyfn/peers")).as("after making the directory its own to write").startsWith("blocked: ");
        assertThat(attack("write", "/tmp")).as("its own /tmp").isEqualTo("wrote in /tmp");
    }

    @Test
    void cannotReachTheNodesPortsButReachesTheOutside() throws Exception {
        assertThat(node.platform.node().confinement().outbound()).as("CI installs slirp4netns").isPresent();
        int port = node.platform.port();
        for (String target : List.of("127.0.0.1:" + port, "localhost:" + port, "10.0.2.2:" + port)) {
            assertThat(attack("connect", target)).as(target).startsWith("blocked");
        }
        try (var outside = new java.net.ServerSocket(0, 50, hostAddress())) {
            String target = outside.getInetAddress().getHostAddress() + ":" + outside.getLocalPort();
            assertThat(attack("connect", target)).as("a server beyond the node's loopback, as the internet is")
                    .isEqualTo("connected to " + target);
            assertThat(attack("offline", "connect", target)).as("an app with network: none").startsWith("blocked");
        }
    }

    @Test
    void aFunctionThatOutgrowsItsSandboxsMemoryFailsWithThatCodeAndTheAppIsServedByAFreshSandbox() {
        var cgroups = node.platform.node().cgroups();
        assertThat(cgroups.limitsMemory()).as(cgroups.describe()).isTrue();

        // a heap of 256 MiB (the default) and 128 MiB beside it
        Errors.assertError(mallory.invoke("evil", "hog", "4096"), 502, "SANDBOX_OUT_OF_MEMORY",
                "the app's sandbox outgrew its memory limit of 384 MiB");

        assertThat(attack("env", "")).as("the app's next call, in a new sandbox").contains("PATH");
    }

    @Test
    void aForkBombStopsAtItsSandboxsProcessLimitAndTheAppCarriesOn() {
        var cgroups = node.platform.node().cgroups();
        assertThat(cgroups.limitsProcesses()).as(cgroups.describe()).isTrue();

        HttpResponse<String> res = mallory.invoke("evil", "forkbomb", "5000");

        if (res.statusCode() == 200) {
            assertThat(res.body()).matches("(?s)blocked after \\d+ processes: .*");
            assertThat(Integer.parseInt(res.body().split(" ")[2])).as("fewer than the sandbox's %d processes and threads", PIDS)
                    .isLessThan(PIDS);
        } else {
            // the children's memory counts against the sandbox too: which limit stops the bomb first is the host's timing
            assertThat(Errors.json(res).path("error").path("code").asText()).as(res.body())
                    .isIn("SANDBOX_OUT_OF_MEMORY", "FUNCTION_TIMEOUT");
        }
        assertThat(attack("env", "")).as("the app's next call").contains("PATH");
    }

    @Test
    void cannotMakeTheSystemCallsKernelExploitsStartFrom() {
        for (String call : List.of("unshare", "io_uring", "keyctl")) {
            assertThat(attack("syscall", call)).as(call).isEqualTo("blocked: errno 1");
        }
    }

    /** An address of this host that is not loopback: what a sandbox reaches as it reaches the internet. */
    private static java.net.InetAddress hostAddress() throws java.net.SocketException {
        return java.net.NetworkInterface.networkInterfaces()
                .flatMap(java.net.NetworkInterface::inetAddresses)
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst().orElseThrow(() -> new org.opentest4j.TestAbortedException("this host has no address beyond loopback"));
    }

    /** The sandbox JVMs of the node (this JVM), seen from the host. */
    private static List<Long> sandboxPids() {
        return ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("SandboxMain"))
                .map(ProcessHandle::pid).toList();
    }

    /** Processes on the host running {@code sleep MARKER}, from their {@code /proc/PID/cmdline}. */
    private static long sleepers(String marker) {
        return ProcessHandle.allProcesses().filter(p -> RunDirs.commandLine(p).strip().equals("sleep " + marker)).count();
    }
}
