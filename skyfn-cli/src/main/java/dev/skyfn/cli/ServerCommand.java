package dev.skyfn.cli;

import dev.skyfn.core.cloud.PreemptionTrace;
import dev.skyfn.core.cloud.PriceFeed;
import dev.skyfn.core.cloud.PriceTrace;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.nats.NatsAccess;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.node.NodeConfig;
import dev.skyfn.node.SingleNode;
import dev.skyfn.node.cluster.ClusterConfig;
import dev.skyfn.node.cluster.ClusterNode;
import dev.skyfn.node.cluster.Faults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skyfn dev} and {@code skyfn node}: a node with its control plane in this process, until stopped. */
abstract sealed class ServerCommand implements Callable<Integer> permits ServerCommand.Dev, ServerCommand.NodeProcess {

    @Option(names = "--host", description = "address to listen on (default ${DEFAULT-VALUE})", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", description = "port to listen on (default ${DEFAULT-VALUE})", defaultValue = "8080")
    int port;

    @Option(names = "--spares", description = "pre-booted sandboxes kept ready at all times; more while cold starts are frequent "
            + "(default ${DEFAULT-VALUE})", defaultValue = "3")
    int spares;

    @Option(names = "--spare-memory", paramLabel = "MiB", description = "memory the spares may hold in all when cold starts raise "
            + "their number above --spares, each counted at its sandbox's memory limit (default: a quarter of the host's memory)")
    Long spareMemoryMb;

    @Option(names = "--max-sandboxes", description = "app sandboxes at most; the least recently used idle one makes room "
            + "(default: one per 256 MiB of memory)")
    Integer maxSandboxes;

    @Option(names = "--sandbox-memory", paramLabel = "MiB", description = "the most one sandbox may hold, counted at its memory limit "
            + "(heap + max(128 MiB, heap / 2)); an app that needs more is refused at deployment (default: the host's memory less "
            + "the node's heap and 512 MiB)")
    Long sandboxMemoryMb;

    @Option(names = "--sandbox-jvm-option", paramLabel = "OPTION",
            description = "an extra option for sandbox JVMs, e.g. -Xlog:gc (repeatable)")
    List<String> sandboxJvmOptions = new ArrayList<>();

    @Option(names = "--aot-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "start sandboxes from an AOT cache of the sandbox runtime, trained at the first start (default ${DEFAULT-VALUE})")
    boolean aotCache;

    @Option(names = "--data", description = "where apps, tenants and keys are kept (default ~/.skyfn/dev or ~/.skyfn/node)")
    Path data;

    @Option(names = "--metering", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "write a usage record of every call to the node's ledger, for bills (default ${DEFAULT-VALUE}; "
                    + "--no-metering measures what it costs)")
    boolean metering;

    @Option(names = "--fit-spares", description = "where cgroups limit memory, boot spares with the largest heap in use and fit "
            + "each to an app with a smaller one (its cgroup lowered, the app held to its heap); apps that keep most of their heap "
            + "live are collected more often in a fitted spare (default: spares per heap size)")
    boolean fitSpares;

    @Option(names = "--sandbox-transport", paramLabel = "socket|shared-memory",
            description = "how frames travel between the node and its sandboxes: a Unix socket, or rings in a memory-mapped file "
                    + "with the socket as doorbell (default: socket)", converter = TransportName.class)
    dev.skyfn.node.sandbox.SandboxTransport sandboxTransport;

    @Option(names = "--otlp-endpoint", paramLabel = "URL", defaultValue = "${env:OTEL_EXPORTER_OTLP_ENDPOINT}",
            description = "trace calls as OpenTelemetry spans exported over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 "
                    + "(env OTEL_EXPORTER_OTLP_ENDPOINT, which the nodes of an emulated fleet inherit; default: no tracing)")
    java.net.URI otlpEndpoint;

    @Option(names = "--tracing", defaultValue = "${env:SKYFN_TRACING:-false}",
            description = "trace calls as OpenTelemetry spans, each node keeping its last ones for GET /v1/traces, GET /v1/traces/{id} and the console, "
                    + "with or without --otlp-endpoint (env SKYFN_TRACING, which the nodes of an emulated fleet inherit; default: "
                    + "${DEFAULT-VALUE}, or on when --otlp-endpoint is given)")
    boolean tracing;

    @Option(names = "--trace-sampling", paramLabel = "RATIO", defaultValue = "${env:OTEL_TRACES_SAMPLER_ARG:-1.0}",
            description = "the share of the traces started at this node that are kept, 0 to 1 (env OTEL_TRACES_SAMPLER_ARG; "
                    + "default ${DEFAULT-VALUE}); a caller's traceparent decides for its own trace", converter = Ratio.class)
    double traceSampling;

    /** A fraction from 0 to 1, or picocli's error saying so. */
    static final class Ratio implements picocli.CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double ratio;
            try {
                ratio = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                ratio = Double.NaN;
            }
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a fraction from 0 to 1");
            }
            return ratio;
        }
    }

    /** The transport's name as an option's value, or picocli's error naming the two there are. */
    static final class TransportName implements picocli.CommandLine.ITypeConverter<dev.skyfn.node.sandbox.SandboxTransport> {
        @Override
        public dev.skyfn.node.sandbox.SandboxTransport convert(String value) {
            try {
                return dev.skyfn.node.sandbox.SandboxTransport.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private final String name;

    /** What the node does where the host cannot confine sandboxes. */
    abstract NodeConfig.Isolation isolation();

    ServerCommand(String name) {
        this.name = name;
    }

    Path dataDir() {
        return data != null ? data : Path.of(System.getProperty("user.home"), ".skyfn", name);
    }

    NodeConfig config() {
        atLeast("--spares", spares, 0);
        atLeast("--max-sandboxes", maxSandboxes, 1);
        atLeast("--sandbox-memory", sandboxMemoryMb, 1);
        atLeast("--spare-memory", spareMemoryMb, 0);
        NodeConfig.Builder config = NodeConfig.builder(dataDir()).host(host).port(port).spareSandboxes(spares)
                .sandboxJvmOptions(sandboxJvmOptions).aotCache(aotCache).isolation(isolation()).metering(metering).fitSpares(fitSpares);
        if (maxSandboxes != null) {
            config.maxSandboxes(maxSandboxes);
        }
        if (sandboxTransport != null) {
            config.sandboxTransport(sandboxTransport);
        }
        if (otlpEndpoint != null) {
            config.tracing(new dev.skyfn.node.tracing.Tracing.Export(otlpEndpoint, traceSampling));
        } else if (tracing) {
            config.tracing(dev.skyfn.node.tracing.Tracing.Export.kept(traceSampling));
        }
        if (sandboxMemoryMb != null) {
            config.sandboxMemoryBytes(sandboxMemoryMb << 20);
        }
        if (spareMemoryMb != null) {
            config.spareMemoryBytes(spareMemoryMb << 20);
        }
        try {
            return config.build();
        } catch (IllegalArgumentException e) {
            throw new CliException("the node's options: " + e.getMessage());
        }
    }

    static Topology topology(Path file) {
        return TopologyReader.read(LocalFiles.read(file, "the topology"));
    }

    /** A price trace file, checked against the topology; a bad one is refused naming its line and field. */
    static PriceTrace prices(Path file, Topology topology) {
        return trace(file, "the price trace", lines -> PriceTrace.read(file.getFileName().toString(), lines, topology));
    }

    /** A preemption trace file, checked against the topology; a bad one is refused naming its line and field. */
    static PreemptionTrace preemptions(Path file, Topology topology) {
        return trace(file, "the preemption trace", lines -> PreemptionTrace.read(file.getFileName().toString(), lines, topology));
    }

    private static <T> T trace(Path file, String what, java.util.function.Function<List<String>, T> read) {
        String text = new String(LocalFiles.read(file, what), java.nio.charset.StandardCharsets.UTF_8);
        try {
            return read.apply(text.lines().toList());
        } catch (dev.skyfn.core.SkyfnException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Refuses {@code option}'s value below {@code least}, naming it; an option not given is not checked. */
    private static void atLeast(String option, Number value, long least) {
        if (value != null && value.longValue() < least) {
            throw new CliException(option + " is at least " + least + ", not " + value);
        }
    }

    /** Starts something that may fail for reasons the user can fix (a port in use, a fleet that will not form): a clear error, no trace. */
    static <T> T starting(String what, java.util.function.Supplier<T> start) {
        try {
            return start.get();
        } catch (UncheckedIOException e) {
            // a wrapper that says what was being done keeps its words; one that only wraps gives its cause's
            boolean onlyWraps = e.getMessage() == null || e.getMessage().equals(e.getCause().toString());
            throw new CliException("cannot start " + what + ": " + (onlyWraps ? e.getCause().getMessage() : e.getMessage()));
        } catch (IllegalStateException e) {
            throw new CliException("cannot start " + what + ": " + e.getMessage());
        }
    }

    /** Runs until the process is stopped, then closes {@code running}. */
    static int serve(AutoCloseable running) throws InterruptedException {
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("stopping: " + e.getMessage());
            }
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /** Durations as manifests write them: 500ms, 3s, 2m. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return dev.skyfn.core.Durations.parse(value);
        }
    }

    @Command(name = "dev", mixinStandardHelpOptions = true, description = {
            "Run skyfn on this machine for development: no API keys, tenant 'dev'.",
            "With --topology, emulate a whole fleet: NATS servers per cloud and one node process per node of the topology."})
    static final class Dev extends ServerCommand {

        @Option(names = "--topology", paramLabel = "FILE", description = "a topology of clouds and nodes to emulate on this machine")
        Path topology;

        @Option(names = "--time-scale", paramLabel = "FACTOR", description = "with --topology: an elastic node starts FACTOR times its "
                + "cloud's startup time after it is asked for, a price trace's hour passes in FACTOR hours, and the nodes' heartbeat "
                + "(0.5 s) and the fleet's control loop (1 s) run FACTOR times as often, down to 0.25 s and 0.1 s (default "
                + "${DEFAULT-VALUE}: as written)", defaultValue = "1")
        double timeScale;

        @Option(names = "--prices", paramLabel = "FILE", description = "with --topology: a price trace to replay from the fleet's start "
                + "(CSV lines at,cloud,gbSecond,vcpuSecond)")
        Path prices;

        @Option(names = "--prices-epoch", paramLabel = "TIME", description = "with --prices or --preemptions: when the traces' time 0 "
                + "is, ISO-8601 (default: the fleet's start)")
        java.time.Instant pricesEpoch;

        @Option(names = "--preemptions", paramLabel = "FILE", description = "with --topology: a preemption trace to replay from the "
                + "fleet's start: its spot clouds take nodes back at its times (CSV lines at,cloud[,node[,notice]])")
        Path preemptions;

        @Option(names = "--dead-after", description = "with --topology: how long a node may miss heartbeats before the others take "
                + "it for dead (default ${DEFAULT-VALUE})", defaultValue = "3s", converter = DurationConverter.class)
        Duration deadAfter;

        @Option(names = "--standby", paramLabel = "N", description = "with --topology: node processes each cloud boots ahead, "
                + "held until acquired and its start-up time has passed, so that a node's own JVM start does not lengthen it "
                + "(default ${DEFAULT-VALUE})", defaultValue = "0")
        int standby;

        @Option(names = "--release-after", description = "with --topology: how long an elastic node serves nothing before it is "
                + "given back (default ${DEFAULT-VALUE})", defaultValue = "60s", converter = DurationConverter.class)
        Duration releaseAfter;

        Dev() {
            super("dev");
        }

        /** A development machine: sandboxes are confined where the host allows, and the log says when they are not. */
        @Override
        NodeConfig.Isolation isolation() {
            return NodeConfig.Isolation.PREFERRED;
        }

        @Override
        public Integer call() throws InterruptedException {
            if (topology != null) {
                if (!(timeScale > 0)) {
                    throw new CliException("--time-scale: a factor above 0, not " + timeScale);
                }
                var emulation = new EmulatedFleet.Emulation(timeScale, java.util.Optional.ofNullable(prices),
                        java.util.Optional.ofNullable(pricesEpoch), standby, java.util.Optional.ofNullable(preemptions));
                var fleet = starting("the fleet", () -> EmulatedFleet.start(topology, dataDir().resolve("fleet"), port, Math.min(spares, 1),
                        true, java.util.Map.of(), emulation, "--release-after", releaseAfter.toMillis() + "ms", "--dead-after", deadAfter.toMillis() + "ms"));
                System.err.println("skyfn fleet of " + fleet.nodes().size() + " nodes in " + topology(topology).clouds().size()
                        + " clouds (logs and data in " + dataDir().resolve("fleet") + "; no API keys in dev mode):");
                fleet.nodes().forEach(n -> System.err.println("  " + n.node() + " (" + n.cloud() + ") on http://127.0.0.1:" + n.port()));
                System.err.println("The web console: http://127.0.0.1:" + fleet.nodes().getFirst().port() + "/console/ (any node serves it). Ctrl-C stops it.");
                return serve(fleet);
            }
            if (prices != null) {
                throw new CliException("--prices replays prices across a fleet's clouds: give --topology too");
            }
            if (preemptions != null) {
                throw new CliException("--preemptions replays spot clouds taking nodes back: give --topology too");
            }
            SingleNode platform = starting("skyfn dev", () -> SingleNode.start(config(), true));
            System.err.println("skyfn dev on http://" + host + ":" + platform.port()
                    + " (data in " + dataDir() + "; no API keys in dev mode); the web console at http://" + host + ":" + platform.port()
                    + "/console/. Ctrl-C stops it.");
            return serve(platform);
        }
    }

    @Command(name = "node", mixinStandardHelpOptions = true, description = {
            "Run a skyfn node with its control plane; every call needs an API key. The first start writes an admin key to "
                    + "<data>/admin.key.",
            "With --nats, the node joins a fleet spanning clouds: its state and its peers are reached through NATS."})
    static final class NodeProcess extends ServerCommand {

        @Option(names = "--nats", paramLabel = "URL[,URL...]", description = "the NATS servers of this node's cloud (tls://host:port with --nats-ca; several, comma-separated, to fail over among them)")
        String nats;

        @Option(names = "--nats-seed", paramLabel = "FILE", description = "this node's NATS user nkey seed (SU...), with --nats")
        Path natsSeed;

        @Option(names = "--nats-ca", paramLabel = "FILE", description = "the PEM certificate authority of the fleet's NATS servers: "
                + "the node connects with TLS and trusts only servers it signed (with --nats)")
        Path natsCa;

        @Option(names = "--data-key", paramLabel = "FILE", description = "the fleet's data key (64 hex digits, e.g. from "
                + "'openssl rand -hex 32'): tenants' state, async payloads and execution records are sealed with keys derived from it "
                + "before they reach JetStream; every node of the fleet needs the same one (with --nats; required outside --dev)")
        Path dataKey;

        @Option(names = "--trusted-data-key", paramLabel = "FILE", description = "the fleet's data key for tenants whose trust policy "
                + "is trusted: give it only to nodes of trusted or TEE clouds")
        Path trustedDataKey;

        @Option(names = "--tee-data-key", paramLabel = "FILE", description = "the fleet's data key for tenants whose trust policy "
                + "is tee: give it only to nodes of TEE clouds")
        Path teeDataKey;

        @Option(names = "--fault-tamper-results", paramLabel = "APP", hidden = true,
                description = "for tests only: alter the results of APP's calls this node answers for other nodes")
        List<String> tamperResultsOf = new ArrayList<>();

        @Option(names = "--fault-slow-calls", paramLabel = "SHARE:DELAY", hidden = true,
                description = "for tests only: answer this share of the calls this node runs for other nodes this much late (0.1:200ms)")
        String slowCalls;

        @Option(names = "--topology", paramLabel = "FILE", description = "the fleet's clouds and nodes (with --nats)")
        Path topology;

        @Option(names = "--name", description = "this node's name in the topology (with --nats)")
        String nodeName;

        @Option(names = "--dev", description = "no API keys, tenant 'dev': for a fleet emulated on one machine")
        boolean dev;

        @Option(names = "--emulate-wan", description = "wait the topology's latencies between clouds and from users (with --nats)")
        boolean emulateWan;

        @Option(names = "--dead-after", description = "how long a silent node is waited for before it is taken for dead "
                + "(default ${DEFAULT-VALUE})", defaultValue = "3s", converter = DurationConverter.class)
        Duration deadAfter;

        @Option(names = "--prices", paramLabel = "FILE", description = "a price trace (CSV lines at,cloud,gbSecond,vcpuSecond) the "
                + "fleet's prices follow from --prices-epoch; every node of the fleet is given the same")
        Path prices;

        @Option(names = "--prices-epoch", paramLabel = "TIME", description = "when the price trace's replay started, ISO-8601 "
                + "(default: when this node starts)")
        java.time.Instant pricesEpoch;

        @Option(names = "--time-scale", paramLabel = "FACTOR", description = "a price trace's hour passes in FACTOR hours, "
                + "and the heartbeat (0.5 s) and the fleet's control loop (1 s) run FACTOR times as often, down to 0.25 s and 0.1 s "
                + "(default ${DEFAULT-VALUE})", defaultValue = "1")
        double timeScale;

        @Option(names = "--capacity", description = "where nodes beyond the topology's come from: static (none) or local "
                + "(the emulated clouds of skyfn dev --topology); default ${DEFAULT-VALUE}", defaultValue = "static")
        String capacity;

        @Option(names = "--release-after", description = "how long an elastic node serves nothing before it is given back "
                + "(default ${DEFAULT-VALUE})", defaultValue = "60s", converter = DurationConverter.class)
        Duration releaseAfter;

        @Option(names = "--join-signal", paramLabel = "FILE", description = "join the fleet (first heartbeat, first queued call) "
                + "only once FILE exists, at the time it holds (ISO-8601): how an emulated cloud holds a node it booted ahead "
                + "until it is acquired and its cloud's start-up time has passed")
        Path joinSignal;

        @Option(names = "--allow-weak-isolation", description = "start even where the host cannot confine sandboxes by the OS "
                + "(no bubblewrap or user namespaces): functions then see what the node's user can")
        boolean allowWeakIsolation;

        NodeProcess() {
            super("node");
        }

        private ClusterConfig.Capacity.Provider provider() {
            return switch (capacity) {
                case "static" -> ClusterConfig.Capacity.Provider.STATIC;
                case "local" -> ClusterConfig.Capacity.Provider.LOCAL;
                default -> throw new CliException("--capacity: '" + capacity + "' is not one of static, local");
            };
        }

        private PriceFeed prices() {
            if (!(timeScale > 0)) {
                throw new CliException("--time-scale: a factor above 0, not " + timeScale);
            }
            if (prices == null) {
                return PriceFeed.FIXED;
            }
            return PriceFeed.replay(ServerCommand.prices(prices, topology(topology)),
                    pricesEpoch == null ? java.time.Instant.now() : pricesEpoch, timeScale);
        }

        private Faults faults() {
            Faults faults = new Faults(java.util.Set.copyOf(tamperResultsOf));
            try {
                return slowCalls == null ? faults : faults.slow(slowCalls);
            } catch (IllegalArgumentException e) {
                throw new CliException("--fault-slow-calls: " + e.getMessage());
            }
        }

        private Sealer sealer() {
            if (dataKey == null) {
                return Sealer.none();
            }
            Map<Trust, Path> keys = new EnumMap<>(Trust.class);
            keys.put(Trust.UNTRUSTED, dataKey);
            if (trustedDataKey != null) {
                keys.put(Trust.TRUSTED, trustedDataKey);
            }
            if (teeDataKey != null) {
                keys.put(Trust.TEE, teeDataKey);
            }
            try {
                return Sealer.read(keys);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }

        @Override
        NodeConfig.Isolation isolation() {
            return allowWeakIsolation || dev ? NodeConfig.Isolation.PREFERRED : NodeConfig.Isolation.REQUIRED;
        }

        @Override
        public Integer call() throws InterruptedException {
            if (nats == null) {
                if (dev) {
                    throw new CliException("--dev needs --nats: for one machine, run skyfn dev");
                }
                SingleNode platform = starting("the node", () -> SingleNode.start(config(), false));
                System.err.println("skyfn node on http://" + host + ":" + platform.port() + " (data in " + dataDir() + "); the web console at "
                        + "/console/. Ctrl-C stops it.");
                return serve(platform);
            }
            if (topology == null || nodeName == null) {
                throw new CliException("a node of a fleet needs --topology FILE and --name NODE besides --nats");
            }
            if (dataKey == null && !dev) {
                throw new CliException("a node of a fleet needs --data-key FILE outside --dev: the fleet's key that seals tenants' data "
                        + "in JetStream (make one with 'openssl rand -hex 32 > data.key' and give every node the same)");
            }
            var access = new NatsAccess(nats, Optional.ofNullable(natsSeed), Optional.ofNullable(natsCa));
            var cluster = ClusterConfig.scaled(access, topology(topology), nodeName, deadAfter, emulateWan, sealer(),
                    faults(),
                    new ClusterConfig.Capacity(provider(), releaseAfter, Optional.ofNullable(joinSignal)), prices(), timeScale);
            ClusterNode node = starting("the node: it cannot join the fleet", () -> ClusterNode.start(config(), cluster, dev));
            System.err.println("skyfn node " + nodeName + " of cloud " + cluster.cloud() + " on http://" + host + ":" + node.port()
                    + " (data in " + dataDir() + (dev ? "; no API keys in dev mode" : "") + "). Ctrl-C stops it.");
            return serve(node);
        }
    }
}
