package dev.skyfn.cli;

import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.PreemptionTrace;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.servers.LocalNats;
import dev.skyfn.nats.servers.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fleet of a topology emulated on one machine: its NATS servers (a cluster per cloud, edge sites
 * as leaf nodes) and one {@code skyfn node} process per node of the topology, each in dev mode,
 * joined to its own cloud's server, with the topology's latencies emulated between them.
 */
public final class EmulatedFleet implements AutoCloseable {

    /**
     * How long the nodes may take to see each other: five JVMs and six NATS servers starting together
     * take 25 s on an idle 2-CPU machine and several times that on a busy one.
     */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    /** One node process. */
    public record Member(String node, String cloud, int port, Process process, Path log) {
    }

    private final Topology topology;
    private final Path topologyFile;
    private final Path dir;
    private final int spares;
    private final List<String> nodeOptions;
    private final LocalNats nats;
    /** The node processes, in the order they started; elastic nodes come and go while others read it. */
    private final Map<String, Member> members = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final HttpClient http = HttpClient.newHttpClient();
    /** How many machines each node name has had: a name a cloud gives again is a new machine, with a disk of its own. */
    private final Map<String, Integer> machines = new java.util.concurrent.ConcurrentHashMap<>();
    private final boolean dev;
    private volatile String adminKey;
    private EmulatedClouds clouds;

    private EmulatedFleet(Topology topology, Path topologyFile, Path dir, int spares, List<String> nodeOptions, LocalNats nats,
                          boolean dev) {
        this.topology = topology;
        this.topologyFile = topologyFile;
        this.dir = dir;
        this.spares = spares;
        this.nodeOptions = List.copyOf(nodeOptions);
        this.dev = dev;
        this.nats = nats;
    }

    /**
     * Starts the fleet of {@code topologyFile}, its files under {@code dir}; the first node listens
     * on {@code firstPort} (0: any free port) and the others on free ports. Returns once every node
     * answers and sees all the others alive.
     */
    public static EmulatedFleet start(Path topologyFile, Path dir, int firstPort, int spares, String... nodeOptions) {
        return start(topologyFile, dir, firstPort, spares, true, nodeOptions);
    }

    /**
     * {@link #start(Path, Path, int, int, String...)}, in dev mode or not: outside it, every call
     * needs a key, and the admin key is in the data directory of the node that started first.
     */
    public static EmulatedFleet start(Path topologyFile, Path dir, int firstPort, int spares, boolean dev, String... nodeOptions) {
        return start(topologyFile, dir, firstPort, spares, dev, Map.of(), nodeOptions);
    }

    /** {@link #start(Path, Path, int, int, boolean, String...)}, some nodes given options of their own ({@code perNode}). */
    public static EmulatedFleet start(Path topologyFile, Path dir, int firstPort, int spares, boolean dev,
                                      Map<String, List<String>> perNode, String... nodeOptions) {
        return start(topologyFile, dir, firstPort, spares, dev, perNode, Emulation.REAL_TIME, nodeOptions);
    }

    /**
     * How the emulated clouds behave.
     *
     * @param timeScale how fast their time runs: a node acquired starts {@code timeScale} times its
     *                  cloud's {@code startup} after it was asked for, and a price trace's hour passes
     *                  in {@code timeScale} hours (1: as written; 0.1: ten times faster)
     * @param prices    a price trace to replay (see {@code PriceTrace}), if any
     * @param epoch     when the traces' time 0 is: the fleet's start when empty
     * @param standby   how many node processes each cloud boots ahead of being asked, held before
     *                  they join: on one machine a node's JVM takes seconds to start, which a cloud's
     *                  start-up time compressed by {@code timeScale} should not include
     * @param preemptions a preemption trace to replay (see {@code PreemptionTrace}), if any: its
     *                  times and notices pass {@code timeScale} times as fast
     */
    public record Emulation(double timeScale, Optional<Path> prices, Optional<java.time.Instant> epoch, int standby,
                            Optional<Path> preemptions) {
        public static final Emulation REAL_TIME = new Emulation(1, Optional.empty());

        /** A trace replayed from the fleet's start; no node booted ahead, none preempted by a trace. */
        public Emulation(double timeScale, Optional<Path> prices) {
            this(timeScale, prices, Optional.empty(), 0, Optional.empty());
        }

        public Emulation {
            if (!(timeScale > 0)) {
                throw new IllegalArgumentException("a time scale is a factor above 0: " + timeScale);
            }
            if (standby < 0) {
                throw new IllegalArgumentException("a standby is a number of nodes, 0 or more: " + standby);
            }
        }
    }

    /** {@link #start(Path, Path, int, int, boolean, Map, String...)} with the clouds emulated as {@code emulation} says. */
    public static EmulatedFleet start(Path topologyFile, Path dir, int firstPort, int spares, boolean dev,
                                      Map<String, List<String>> perNode, Emulation emulation, String... nodeOptions) {
        Topology topology = ServerCommand.topology(topologyFile);
        List<String> options = new ArrayList<>(List.of(nodeOptions));
        options.addAll(List.of("--time-scale", Double.toString(emulation.timeScale())));
        if (emulation.prices().isPresent()) {
            Path prices = emulation.prices().get().toAbsolutePath();
            // a bad trace is refused before anything starts, naming its line
            ServerCommand.prices(prices, topology);
            options.addAll(List.of("--prices", prices.toString(), "--prices-epoch",
                    emulation.epoch().orElseGet(java.time.Instant::now).toString()));
        }
        // a bad trace is refused before anything starts, naming its line
        PreemptionTrace preemptions = emulation.preemptions().map(p -> ServerCommand.preemptions(p, topology)).orElse(PreemptionTrace.NONE);
        java.time.Instant epoch = emulation.epoch().orElseGet(java.time.Instant::now);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        progress("starting the NATS servers of " + topology.clouds().size() + " clouds");
        var fleet = new EmulatedFleet(topology, topologyFile, dir, spares, options, LocalNats.start(topology, dir.resolve("nats")), dev);
        try {
            fleet.clouds = new EmulatedClouds(fleet, fleet.nats.secrets().access(fleet.nats.url(topology.stateCloud()),
                    FleetSecrets.OPERATOR), emulation.timeScale(), emulation.standby());
            progress("NATS servers up; starting " + topology.nodes().size() + " nodes (logs in " + dir + ")");
            int port = firstPort;
            for (NodeSpec n : topology.nodes()) {
                fleet.launch(n, port == 0 ? LoopbackPorts.take() : port, perNode.getOrDefault(n.name(), List.of()));
                port = 0;
            }
            fleet.awaitAllAlive(dir);
            fleet.clouds.replay(preemptions, epoch);
            return fleet;
        } catch (RuntimeException | Error e) {
            // whatever failed, the servers and nodes started so far must not outlive the attempt
            fleet.close();
            throw e;
        }
    }

    /** The client URL of {@code cloud}'s NATS server. */
    public String natsUrl(String cloud) {
        return nats.url(cloud);
    }

    /** The PEM certificate authority of the fleet's NATS servers. */
    public Path natsCa() {
        return nats.secrets().ca();
    }

    /**
     * Starts {@code node} again on a fresh disk, as a cloud replaces a machine, reading the
     * topology file as it is now; returns once it sees every node of the fleet.
     */
    public void restart(String node) {
        Member old = node(node);
        stop(node);
        launch(topology.node(node).orElseThrow(), old.port(), List.of());
        awaitAllAlive(dir);
    }

    /** The file of one of the fleet's NATS credentials: {@code identity}'s nkey seed. */
    public Path natsSeed(String identity) {
        return nats.secrets().seed(identity);
    }

    /**
     * Starts the process of one of a cloud's elastic nodes, to be {@link #adopt adopted} once asked
     * for through its capacity provider; it joins once {@code joinSignal} is written, at the time it holds. Until {@link #up} it runs at the lowest CPU priority:
     * a VM booting in a cloud takes no CPU from the machines already serving, and on one machine
     * a dozen JVMs starting at once would otherwise starve the nodes that serve the burst.
     */
    Member spawnElastic(NodeSpec n, Path joinSignal) {
        return spawn(n, LoopbackPorts.take(), List.of("--join-signal", joinSignal.toString()), List.of("nice", "-n", "19"));
    }

    /** Makes a node spawned ahead ({@link #spawnElastic}) one of the fleet's: it has been acquired. */
    void adopt(Member m) {
        members.put(m.node(), m);
    }

    /** The file whose appearance lets elastic node {@code node} join, holding when. */
    Path joinSignal(String node) {
        return dir.resolve(node + ".join");
    }

    /**
     * An elastic node's machine is up: its processes run at the usual CPU priority from now on. A
     * nice value is a thread's, not a process's (Linux), and a thread is born with its creator's:
     * every thread of the node and of its sandboxes is reniced, again until none is left at the low
     * priority (threads started meanwhile).
     */
    void up(String node) {
        Member m = members.get(node);
        if (m == null) {
            return;
        }
        for (int round = 0; round < 5; round++) {
            List<String> low = lowPriorityThreads(m.process().toHandle());
            if (low.isEmpty()) {
                return;
            }
            List<String> cmd = new ArrayList<>(List.of("renice", "-n", "0", "-p"));
            cmd.addAll(low);
            try {
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException e) {
                progress("node " + node + " keeps its low CPU priority: " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        progress("node " + node + ": some of its threads keep the low CPU priority they started with");
    }

    /** The ids of the threads of {@code process} and its descendants whose nice value is above 0. */
    static List<String> lowPriorityThreads(ProcessHandle process) {
        List<String> low = new ArrayList<>();
        java.util.stream.Stream.concat(java.util.stream.Stream.of(process), process.descendants()).forEach(p -> {
            try (var tasks = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                tasks.forEach(t -> {
                    try {
                        // stat: "tid (comm) state ...", nice the 19th field; comm may hold spaces, so count after its ')'
                        String stat = Files.readString(t.resolve("stat"));
                        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        if (Integer.parseInt(after[16]) > 0) {
                            low.add(t.getFileName().toString());
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the thread ended meanwhile
                    }
                });
            } catch (IOException | RuntimeException gone) {
                // the process ended meanwhile
            }
        });
        return low;
    }

    /** Stops a node's process as its cloud would take the machine back: SIGTERM, SIGKILL after 20 s. */
    void stop(String node) {
        Member m = members.remove(node);
        if (m != null) {
            stop(List.of(m));
        }
    }

    /** Stops node processes as their clouds would take the machines back: SIGTERM to all at once, SIGKILL to any left after 20 s. */
    static void stop(List<Member> nodes) {
        nodes.forEach(m -> m.process().destroy());
        for (Member m : nodes) {
            try {
                if (!m.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    m.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Member launch(NodeSpec n, int port, List<String> ownOptions) {
        Member m = spawn(n, port, ownOptions, List.of());
        adopt(m);
        return m;
    }

    private Member spawn(NodeSpec n, int port, List<String> ownOptions, List<String> prefix) {
        List<String> options = new ArrayList<>(nodeOptions);
        options.addAll(ownOptions);
        // as a cloud would: the second machine given the name spot-1 starts on a fresh disk, <dir>/spot-1.2, logging to spot-1.2.log
        int k = machines.merge(n.name(), 1, Integer::sum);
        String machine = k == 1 ? n.name() : n.name() + "." + k;
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(java);
        if (Skyfn.class.getModule().isNativeAccessEnabled()) {
            cmd.add("--enable-native-access=ALL-UNNAMED"); // as skyfn.jar's manifest gives this JVM: the ledger locks its journal
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Skyfn.class.getName(),
                "node", "--emulate-wan", "--nats", nats.url(n.cloud()), "--nats-seed", nats.secrets().seed(n.name()).toString(),
                "--nats-ca", nats.secrets().ca().toString(), "--topology", topologyFile.toAbsolutePath().toString(),
                "--name", n.name(), "--port", Integer.toString(port), "--spares", Integer.toString(spares),
                "--data", dir.resolve(machine).toString()));
        // each node holds the data keys of the trust levels its cloud satisfies, and no others
        Trust trust = topology.cloud(n.cloud()).orElseThrow().trust();
        cmd.addAll(List.of("--data-key", nats.secrets().dataKey(Trust.UNTRUSTED).toString()));
        if (trust.satisfies(Trust.TRUSTED)) {
            cmd.addAll(List.of("--trusted-data-key", nats.secrets().dataKey(Trust.TRUSTED).toString()));
        }
        if (trust.satisfies(Trust.TEE)) {
            cmd.addAll(List.of("--tee-data-key", nats.secrets().dataKey(Trust.TEE).toString()));
        }
        if (dev) {
            cmd.add("--dev");
        }
        // the emulated clouds give and take back nodes when the fleet asks
        cmd.addAll(List.of("--capacity", "local"));
        cmd.addAll(options);
        Path log = dir.resolve(machine + ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Member(n.name(), n.cloud(), port, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + n.name() + ": " + e.getMessage(), e);
        }
    }

    private void awaitAllAlive(Path dir) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!dev && !findAdminKey(dir)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no node wrote an admin key under " + dir);
            }
            pause();
        }
        for (Member m : members()) {
            while (aliveCount(m) != members.size()) {
                for (Member any : members()) {
                    // a node that gave up will never be seen: say so now rather than at the deadline
                    if (!any.process().isAlive()) {
                        throw new IllegalStateException("node " + any.node() + " exited (" + lastLine(any.log()) + "); its log: " + any.log());
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw notAllSeen(m);
                }
                pause();
            }
            progress("node " + m.node() + " of cloud " + m.cloud() + " up on http://127.0.0.1:" + m.port() + " and sees the whole fleet");
        }
    }

    /**
     * Why the fleet did not come up: which nodes {@code m} does not see alive, with the end of each
     * one's log and of {@code m}'s own (the logs go with the fleet's directory, so what they say is
     * kept in the message).
     */
    private IllegalStateException notAllSeen(Member m) {
        String seen = get(m, "/v1/nodes");
        var message = new StringBuilder("node " + m.node() + " did not see the whole fleet within " + START_TIMEOUT
                + " (it sees " + aliveCount(m) + " of " + members.size() + " alive)");
        for (Member other : members()) {
            if (other != m && !seen.matches("(?s).*\"" + java.util.regex.Pattern.quote(other.node()) + "\"[^}]*\"alive\":true.*")) {
                message.append("\n-- not seen: ").append(other.node()).append(other.process().isAlive() ? "" : " (exited)")
                        .append("; the end of its log:\n").append(tail(other.log(), 15));
            }
        }
        return new IllegalStateException(message.append("\n-- the end of ").append(m.node()).append("'s log:\n")
                .append(tail(m.log(), 15)).toString());
    }

    /** The last {@code n} lines of a node's log. */
    private static String tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "its log cannot be read: " + e.getMessage();
        }
    }

    /** The last line a node wrote before it exited: why it did, usually. */
    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "no output" : lines.getLast().strip();
        } catch (IOException e) {
            return "its log cannot be read: " + e.getMessage();
        }
    }

    /** A line on standard error: starting a fleet takes a while, and whoever waits should see it advance. */
    private static void progress(String line) {
        System.err.println("fleet: " + line);
    }

    /** How many nodes {@code m} sees alive; none while it does not answer yet. */
    private int aliveCount(Member m) {
        return get(m, "/v1/nodes").split("\"alive\":true", -1).length - 1;
    }

    /** Whether a node has written the fleet's admin key; it is read when one has. */
    private boolean findAdminKey(Path dir) {
        for (Member m : members()) {
            Path key = dir.resolve(m.node()).resolve("admin.key");
            if (Files.exists(key)) {
                try {
                    adminKey = Files.readString(key).strip();
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** The admin API key of a fleet not in dev mode (null in dev mode). */
    public String adminKey() {
        return adminKey;
    }

    private String get(Member m, String path) {
        try {
            var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.port() + path)).timeout(Duration.ofSeconds(5));
            if (adminKey != null) {
                request.header("Authorization", "Bearer " + adminKey);
            }
            HttpResponse<String> res = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return res.statusCode() == 200 ? res.body() : "";
        } catch (IOException notYet) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Topology topology() {
        return topology;
    }

    public List<Member> nodes() {
        return members();
    }

    /** The members now, in the order they started. */
    private List<Member> members() {
        synchronized (members) {
            return List.copyOf(members.values());
        }
    }

    public Member node(String name) {
        Member m = members.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no node " + name);
        }
        return m;
    }

    /**
     * SIGKILLs a node's process and forgets it, as a cloud takes a machine back at the end of a
     * preemption notice; false when it was not running (given back before).
     */
    boolean vanish(String node) {
        Member m = members.remove(node);
        if (m != null) {
            killProcess(m);
        }
        return m != null;
    }

    /** SIGKILLs a node's process, as a host that fails would vanish. */
    public void kill(String node) {
        killProcess(node(node));
    }

    private static void killProcess(Member m) {
        m.process().destroyForcibly();
        try {
            m.process().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops a node's process without ending it (SIGSTOP), as a host that stalls: the others take it for dead. */
    public void freeze(String node) {
        signal(node, "-STOP");
    }

    /** Lets a frozen node's process go on (SIGCONT). */
    public void thaw(String node) {
        signal(node, "-CONT");
    }

    private void signal(String node, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(node(node).process().pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill " + signal + " " + node + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILLs {@code cloud}'s NATS server: its nodes lose the fleet, and the fleet loses what that server held. */
    public void killNats(String cloud) {
        nats.kill(cloud);
    }

    /** Starts {@code cloud}'s NATS server again, with its store, after {@link #killNats}. */
    public void restartNats(String cloud) {
        nats.restart(cloud);
    }

    /** Takes a whole cloud away: its NATS server and every node in it are killed. */
    public void killCloud(String cloud) {
        members().stream().filter(m -> m.cloud().equals(cloud)).forEach(m -> kill(m.node()));
        nats.kill(cloud);
    }

    @Override
    public void close() {
        if (clouds != null) {
            clouds.close();
        }
        stop(members());
        nats.close();
    }
}
