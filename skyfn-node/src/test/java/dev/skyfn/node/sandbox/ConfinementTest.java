package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfinementTest {

    private static final Confinement.View VIEW = new Confinement.View(Path.of("/run/node/sb-7"),
            List.of(Path.of("/opt/jdk"), Path.of("/opt/skyfn/lib/runtime.jar")), List.of(Path.of("/home/n/.cache/skyfn")));
    private static final List<String> JAVA = List.of("/opt/jdk/bin/java", "-Xmx128m", "dev.skyfn.sandbox.SandboxMain",
            Confinement.SOCKET, "1048576");
    private static final Optional<Path> SLIRP = Optional.of(Path.of("/usr/bin/slirp4netns"));

    @Test
    void bubblewrapShowsOnlyWhatTheViewNamesAndRunsTheJvmLast() {
        List<String> args = new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 64L << 20, "eu-1", SLIRP, false).wrap(VIEW, JAVA);

        assertThat(args.getFirst()).isEqualTo("/usr/bin/bwrap");
        assertThat(args).contains("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--disable-userns",
                "--die-with-parent",
                "--new-session", "--clearenv");
        assertThat(args).doesNotContain("--share-net", "--bind-try").noneMatch(a -> a.startsWith("/home/n/data"));
        for (String bind : List.of("--bind", "--ro-bind", "--ro-bind-try")) {
            assertThat(Collections.indexOfSubList(args, List.of(bind, "/"))).as("the host's root, by " + bind).isNegative();
        }
        assertThat(args.subList(args.size() - JAVA.size() - 3, args.size() - JAVA.size() - 1)).as("its own root made read-only, last")
                .containsExactly("--remount-ro", "/");
        assertThat(Collections.indexOfSubList(args, List.of("--ro-bind", "/opt/jdk", "/opt/jdk"))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--ro-bind", "/opt/skyfn/lib/runtime.jar", "/opt/skyfn/lib/runtime.jar"))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--bind", "/home/n/.cache/skyfn", "/home/n/.cache/skyfn"))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--bind", "/run/node/sb-7/node.sock", Confinement.SOCKET))).isPositive();
        assertThat(args).as("no shared-memory file when the sandbox has none").doesNotContain(Confinement.FRAMES);
        assertThat(Collections.indexOfSubList(args, List.of("--ro-bind", "/run/node/sb-7/app", Confinement.APP_DIR))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--size", Long.toString(64L << 20), "--tmpfs", "/tmp"))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--proc", "/proc"))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--hostname", "eu-1"))).as("its node's name").isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--ro-bind", "/run/node/sb-7/hosts", "/etc/hosts"))).isPositive();
        assertThat(Collections.indexOfSubList(args, List.of("--ro-bind", "/run/node/sb-7/resolv.conf", "/etc/resolv.conf"))).isPositive();
        assertThat(new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 1, "eu-1", SLIRP, false).hostsFile()).hasValueSatisfying(
                hosts -> assertThat(hosts).contains("127.0.0.1 localhost eu-1\n"));
        assertThat(args.subList(args.size() - JAVA.size() - 1, args.size())).containsExactlyElementsOf(
                java.util.stream.Stream.concat(java.util.stream.Stream.of("--"), JAVA.stream()).toList());
    }

    @Test
    void withoutConfinementTheJvmRunsAsItIsAndSeesTheHostsPaths() {
        var none = new Confinement.None("no bubblewrap");
        assertThat(none.wrap(VIEW, JAVA)).isEqualTo(JAVA);
        assertThat(none.socketFor(VIEW)).isEqualTo("/run/node/sb-7/node.sock");
        assertThat(none.framesFor(VIEW)).isEqualTo("/run/node/sb-7/frames.shm");
        assertThat(none.jarFor(VIEW, "shop-v2.jar")).isEqualTo("/run/node/sb-7/app/shop-v2.jar");
        assertThat(none.confines()).isFalse();
        assertThat(none.hostsFile()).as("it sees the host's own").isEmpty();
        assertThat(none.describe()).contains("NOT confined").contains("no bubblewrap");
    }

    @Test
    void aConfinedSandboxFindsItsSocketAndJarAtFixedPaths() {
        var bwrap = new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 1 << 20, "eu-1", SLIRP, false);
        assertThat(bwrap.socketFor(VIEW)).isEqualTo("/run/skyfn/node.sock");
        assertThat(bwrap.jarFor(VIEW, "shop-v2.jar")).isEqualTo("/run/skyfn/app/shop-v2.jar");
        assertThat(bwrap.confines()).isTrue();
    }

    @Test
    void aConfinedSandboxOnSharedMemorySeesItsFileWritableAndNothingMore() {
        var bwrap = new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 1 << 20, "eu-1", SLIRP, false);
        var shared = new Confinement.View(VIEW.dir(), VIEW.readOnly(), VIEW.writable(), true);
        List<String> args = bwrap.wrap(shared, JAVA);
        assertThat(bwrap.framesFor(shared)).isEqualTo(Confinement.FRAMES);
        assertThat(Collections.indexOfSubList(args, List.of("--bind", "/run/node/sb-7/frames.shm", Confinement.FRAMES))).isPositive();
        List<String> without = bwrap.wrap(VIEW, JAVA);
        assertThat(args).as("the file's bind alone is added").hasSize(without.size() + 3);
    }

    @Test
    void aConfinedSandboxAsksTheNameServerOfItsOwnNetworkOrHasNone() {
        var out = new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 1 << 20, "eu-1", SLIRP, false);
        assertThat(out.outbound()).isEqualTo(SLIRP);
        assertThat(out.resolvConf()).hasValue("nameserver 10.0.2.3\n");
        assertThat(out.describe()).contains("outbound network through /usr/bin/slirp4netns, no host loopback");

        var closed = new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 1 << 20, "eu-1", Optional.empty(), false);
        assertThat(closed.outbound()).isEmpty();
        assertThat(closed.resolvConf()).hasValueSatisfying(conf -> assertThat(conf).doesNotContain("nameserver"));
        assertThat(closed.describe()).contains("no outbound network").contains("apt-get install slirp4netns");
        assertThat(new Confinement.None("no bubblewrap").resolvConf()).as("it sees the host's own").isEmpty();
    }

    @Test
    void underSeccompAShellOpensTheFilterAsDescriptorNineThenBecomesBubblewrap() {
        var bwrap = new Confinement.Bubblewrap(Path.of("/usr/bin/bwrap"), 1 << 20, "eu-1", SLIRP, true);
        List<String> args = bwrap.wrap(VIEW, JAVA);
        assertThat(args.subList(0, 5)).containsExactly("/bin/sh", "-c", "exec 9<\"$0\" && exec \"$@\"", "/run/node/sb-7/seccomp.bpf",
                "/usr/bin/bwrap");
        assertThat(Collections.indexOfSubList(args, List.of("--seccomp", "9", "--"))).as("the last option before the JVM").isPositive();
        assertThat(args.subList(args.size() - JAVA.size(), args.size())).containsExactlyElementsOf(JAVA);
        assertThat(bwrap.seccompFilter()).isEqualTo(Seccomp.filter());
        assertThat(bwrap.describe()).contains("a seccomp filter of " + Seccomp.DENIED.size() + " system calls");
    }
}
