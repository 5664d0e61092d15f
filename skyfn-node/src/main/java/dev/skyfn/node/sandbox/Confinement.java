package dev.skyfn.node.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How a sandbox process is walled off from the host by the operating system. With bubblewrap, the
 * sandbox runs in its own mount, PID, IPC, UTS, network and user namespaces: it sees the system's libraries,
 * the JDK and the sandbox runtime read-only, the one socket back to its node, its app's jar
 * (read-only, once loaded) and a private, size-limited {@code /tmp} — not the node's data, not the
 * node's or other sandboxes' processes, not their sockets; and every process it starts dies with it.
 * Its host name is its node's name. Its network is its own: the outside world through
 * {@link Outbound} where the host has slirp4netns, never the host's loopback (the node's ports,
 * other sandboxes', a local NATS server). Where the host has no bubblewrap, {@link None} says why and
 * sandboxes are plain child processes.
 *
 * <p>The view is built as an argument list from a description of what the sandbox may see (as
 * Flatpak drives bubblewrap), by a pure function; the launch is the launcher's.
 */
public sealed interface Confinement {

    /** Where the sandbox finds the socket to its node. */
    String SOCKET = "/run/skyfn/node.sock";
    /** Where the sandbox finds the file of its shared-memory channel to its node, when it has one. */
    String FRAMES = "/run/skyfn/frames.shm";
    /** Where the sandbox binds its socket for direct calls from other sandboxes: beside {@link #SOCKET}. */
    String LISTEN_DIR = "/run/skyfn/listen";
    /** Where the sandbox finds the sockets of the sandboxes it may call directly: beside {@link #SOCKET}. */
    String PEERS_DIR = "/run/skyfn/peers";
    /** Where the sandbox finds its app's jar, once the node has put it there. */
    String APP_DIR = "/run/skyfn/app";

    /**
     * What one sandbox may see besides the system's libraries.
     *
     * @param dir      the sandbox's own directory on the host: {@code node.sock} and {@code app/} in it
     * @param readOnly files and directories shown read-only at their own paths (the JDK, the class path, an AOT cache)
     * @param writable directories shown writable at their own paths (only for the node's own training run)
     * @param sharedMemory whether it talks to its node through shared memory: {@link #frames()} shown writable
     */
    record View(Path dir, List<Path> readOnly, List<Path> writable, boolean sharedMemory) {
        public View {
            readOnly = List.copyOf(readOnly);
            writable = List.copyOf(writable);
        }

        public View(Path dir, List<Path> readOnly, List<Path> writable) {
            this(dir, readOnly, writable, false);
        }

        Path socket() {
            return dir.resolve("node.sock");
        }

        /** The file of its shared-memory channel to the node, when it has one; removed once both ends have mapped it. */
        Path frames() {
            return dir.resolve("frames.shm");
        }

        Path appDir() {
            return dir.resolve("app");
        }

        /** Where the sandbox binds its own socket for direct calls ({@code peer.sock}); read-only to it once it said hello. */
        Path listenDir() {
            return dir.resolve("listen");
        }

        /** Where the node links the sockets of the sandboxes it may call directly; read-only to it. */
        Path peersDir() {
            return dir.resolve("peers");
        }

        /** The sandbox's {@code /etc/hosts}: its host name resolves, as libraries that ask for the local host expect. */
        Path hosts() {
            return dir.resolve("hosts");
        }

        /** The sandbox's {@code /etc/resolv.conf}: the name server its own network reaches. */
        Path resolvConf() {
            return dir.resolve("resolv.conf");
        }

        /** The seccomp filter bubblewrap loads for it ({@link Seccomp}). */
        Path seccomp() {
            return dir.resolve("seccomp.bpf");
        }
    }

    /** The command that runs {@code java} (a JVM's command line) inside the sandbox. */
    List<String> wrap(View view, List<String> java);

    /** The socket path the sandbox is told to connect to. */
    String socketFor(View view);

    /** The path of {@link View#frames()} as the sandbox sees it. */
    String framesFor(View view);

    /** The path inside the sandbox of a jar the node staged into {@link View#appDir()} under {@code name}. */
    String jarFor(View view, String name);

    /** The {@code /etc/hosts} the sandbox is shown, its host name among the local addresses; empty when it sees the host's. */
    default Optional<String> hostsFile() {
        return Optional.empty();
    }

    /** The {@code /etc/resolv.conf} the sandbox is shown; empty when it sees the host's. */
    default Optional<String> resolvConf() {
        return Optional.empty();
    }

    /** The seccomp filter the sandbox runs under, to be written to {@link View#seccomp()}; empty when none. */
    default byte[] seccompFilter() {
        return new byte[0];
    }

    /**
     * The files the sandbox is shown from its own directory, by their path in {@link View#dir()}:
     * its {@code /etc/hosts}, its {@code /etc/resolv.conf}, its seccomp filter; none when it sees the host's.
     */
    default Map<Path, byte[]> files(View view) {
        Map<Path, byte[]> files = new LinkedHashMap<>();
        hostsFile().ifPresent(hosts -> files.put(view.hosts(), hosts.getBytes(StandardCharsets.UTF_8)));
        resolvConf().ifPresent(conf -> files.put(view.resolvConf(), conf.getBytes(StandardCharsets.UTF_8)));
        byte[] filter = seccompFilter();
        if (filter.length > 0) {
            files.put(view.seccomp(), filter);
        }
        return files;
    }

    /** The program that gives a sandbox outbound network, if sandboxes have a network of their own and may go out. */
    default Optional<Path> outbound() {
        return Optional.empty();
    }

    /** Whether sandboxes are confined by the OS. */
    default boolean confines() {
        return this instanceof Bubblewrap;
    }

    /** One line for the node's log and the operator: what a sandbox is walled off by. */
    String describe();

    /** No confinement: sandboxes are child processes with the node's user and view of the host. */
    record None(String why) implements Confinement {
        @Override
        public List<String> wrap(View view, List<String> java) {
            return java;
        }

        @Override
        public String socketFor(View view) {
            return view.socket().toString();
        }

        @Override
        public String framesFor(View view) {
            return view.frames().toString();
        }

        @Override
        public String jarFor(View view, String name) {
            return view.appDir().resolve(name).toString();
        }

        @Override
        public String describe() {
            return "sandboxes are NOT confined by the OS (" + why + "): a function can see what the node's user can";
        }
    }

    /**
     * Confinement by bubblewrap.
     *
     * @param bwrap    the {@code bwrap} program
     * @param tmpBytes the size of each sandbox's private {@code /tmp}, bytes
     * @param hostname the host name a sandbox sees: its node's name
     * @param slirp4netns the program that gives a sandbox's network namespace a way out; empty: no outbound network
     * @param seccomp  whether the sandbox runs under {@link Seccomp}'s filter (this architecture has one)
     */
    record Bubblewrap(Path bwrap, long tmpBytes, String hostname, Optional<Path> slirp4netns, boolean seccomp) implements Confinement {

        /** System directories a JVM needs, shown read-only when the host has them. */
        private static final List<String> SYSTEM = List.of("/usr", "/lib", "/lib64", "/bin", "/etc/ssl", "/etc/ca-certificates",
                "/etc/java-25-openjdk", "/etc/localtime", "/etc/nsswitch.conf");

        @Override
        public List<String> wrap(View view, List<String> java) {
            List<String> args = new ArrayList<>(List.of(bwrap.toString(),
                    "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
                    // no namespaces of its own inside: nested user namespaces are where kernel exploits start
                    "--disable-userns", "--uid", "1000", "--gid", "1000", "--hostname", hostname,
                    "--die-with-parent", "--new-session", "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
                    "--setenv", "LANG", "C.UTF-8"));
            for (String dir : SYSTEM) {
                args.addAll(List.of("--ro-bind-try", dir, dir));
            }
            args.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--size", Long.toString(tmpBytes), "--tmpfs", "/tmp"));
            for (Path p : view.readOnly()) {
                args.addAll(List.of("--ro-bind", p.toString(), p.toString()));
            }
            for (Path p : view.writable()) {
                args.addAll(List.of("--bind", p.toString(), p.toString()));
            }
            if (view.sharedMemory()) {
                args.addAll(List.of("--bind", view.frames().toString(), FRAMES));
            }
            args.addAll(List.of("--bind", view.socket().toString(), SOCKET, "--ro-bind", view.appDir().toString(), APP_DIR,
                    "--bind", view.listenDir().toString(), LISTEN_DIR, "--ro-bind", view.peersDir().toString(), PEERS_DIR,
                    "--ro-bind", view.hosts().toString(), "/etc/hosts", "--ro-bind", view.resolvConf().toString(), "/etc/resolv.conf",
                    "--chdir", "/tmp",
                    // last: the root's own tmpfs, where the mount points above were made, read-only; /tmp stays its one writable place
                    "--remount-ro", "/"));
            if (!seccomp) {
                args.add("--");
                args.addAll(java);
                return args;
            }
            // bubblewrap reads the filter from a descriptor: a shell opens the file as 9, then becomes bubblewrap
            args.addAll(List.of("--seccomp", "9", "--"));
            args.addAll(java);
            List<String> shell = new ArrayList<>(List.of("/bin/sh", "-c", "exec 9<\"$0\" && exec \"$@\"", view.seccomp().toString()));
            shell.addAll(args);
            return shell;
        }

        @Override
        public byte[] seccompFilter() {
            return seccomp ? Seccomp.filter() : new byte[0];
        }

        @Override
        public String socketFor(View view) {
            return SOCKET;
        }

        @Override
        public String framesFor(View view) {
            return FRAMES;
        }

        @Override
        public Optional<String> hostsFile() {
            return Optional.of("127.0.0.1 localhost " + hostname + "\n::1 localhost ip6-localhost ip6-loopback\n");
        }

        @Override
        public Optional<String> resolvConf() {
            return Optional.of(slirp4netns.isPresent() ? Outbound.RESOLV_CONF : "# this sandbox has no network\n");
        }

        @Override
        public Optional<Path> outbound() {
            return slirp4netns;
        }

        @Override
        public String jarFor(View view, String name) {
            return APP_DIR + "/" + name;
        }

        @Override
        public String describe() {
            return "sandboxes are confined by bubblewrap (" + bwrap + "): own mount, PID, IPC, UTS, network and user namespaces "
                    + "(no nested ones), " + (seccomp ? "a seccomp filter of " + Seccomp.DENIED.size() + " system calls, " : "no seccomp filter "
                    + "(none for " + System.getProperty("os.arch") + "), ")
                    + "read-only system, JDK and runtime, a private /tmp of " + (tmpBytes >> 20) + " MiB; "
                    + slirp4netns.map(s -> "outbound network through " + s + ", no host loopback")
                            .orElse("no outbound network (no slirp4netns on this host; Debian: apt-get install slirp4netns)");
        }
    }

    /**
     * The best confinement this host offers: bubblewrap ({@code SKYFN_BWRAP}, else {@code bwrap} on
     * the PATH or in {@code /usr/bin}) if it can make the namespaces a sandbox needs, with outbound
     * network through slirp4netns ({@code SKYFN_SLIRP4NETNS}, else on the PATH) if the host has it;
     * else {@link None} saying why.
     */
    static Confinement detect(long tmpBytes, String hostname) {
        Path bwrap = program("SKYFN_BWRAP", "bwrap");
        if (bwrap == null) {
            return new None("no bubblewrap on this host; Debian: apt-get install bubblewrap");
        }
        List<String> probe = List.of(bwrap.toString(), "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-net", "--disable-userns", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--", "true");
        try {
            Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new None(bwrap + " did not answer within 10 s");
            }
            if (p.exitValue() != 0) {
                String why = new String(p.getInputStream().readAllBytes()).strip();
                return new None(bwrap + " cannot make namespaces here: " + (why.isEmpty() ? "exit status " + p.exitValue() : why));
            }
            return new Bubblewrap(bwrap, tmpBytes, hostname, Optional.ofNullable(program("SKYFN_SLIRP4NETNS", "slirp4netns")),
                    Seccomp.supported());
        } catch (IOException e) {
            return new None(bwrap + " cannot run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new None("interrupted while trying " + bwrap);
        }
    }

    /** The program named by {@code env}, else {@code name} on the PATH or in {@code /usr/bin}; null if none. */
    private static Path program(String env, String name) {
        String configured = System.getenv(env);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path usual = Path.of("/usr/bin", name);
        return Files.isExecutable(usual) ? usual : null;
    }
}
