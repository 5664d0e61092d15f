package dev.skyfn.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a node runs. Build with {@link #builder(Path)}; every setting has a default chosen for a
 * small host.
 *
 * @param host             the address the HTTP server binds
 * @param port             its port; 0 picks a free one
 * @param dataDir          where the node keeps what must survive a restart
 * @param spareSandboxes   pre-booted sandboxes kept ready at all times, so no request waits for a JVM to start; more are
 *                         kept while cold starts are frequent, within {@code spareMemoryBytes}
 * @param spareMemoryBytes what the spares may hold in all, each counted at its memory limit (its heap + max(128 MiB,
 *                         heap / 2)), when cold starts raise their number above {@code spareSandboxes} (which is kept
 *                         whatever it costs); default a quarter of the host's memory
 * @param maxSandboxes     app sandboxes this node runs at most; to load another, an idle one is
 *                         retired, batch work's first, then one no other sandbox calls directly,
 *                         then the least recently used (default: one per 256 MiB of the host's memory)
 * @param sandboxMemoryBytes the most one sandbox may hold, counted at its memory limit (its heap + max(128 MiB, heap / 2)): an
 *                         app whose sandbox would need more is refused at deployment (PLACEMENT_UNSATISFIABLE); default the
 *                         host's memory less the node's own heap and 512 MiB, so that no tenant's sandbox may take the memory
 *                         the node and the others run in
 * @param maxRequestBytes  the largest invocation payload accepted
 * @param maxResultBytes   the largest result a function may return
 * @param maxPackageBytes  the largest app jar accepted
 * @param maxValueBytes    the largest value in an app's state
 * @param stateBytesPerTenant state a tenant may keep in each data layer on this node
 * @param bootTimeout      how long a sandbox JVM may take to start
 * @param loadTimeout      how long loading an app into a sandbox may take
 * @param cancelGrace      how long an invocation past its timeout has to stop before its sandbox is replaced
 * @param reapInterval     how often idle sandboxes are looked for
 * @param maxAsyncPending  async invocations accepted but not finished, at most
 * @param asyncRetention   how long results of async invocations are kept
 * @param logBytesPerApp   log text kept in memory per app
 * @param logBytesInAll    log text kept in memory on the node
 * @param aotCache         whether sandboxes start from an AOT cache of the sandbox runtime
 * @param cacheDir         where that cache is kept; it depends only on the JDK and skyfn's jars
 * @param sandboxJvmOptions extra options for sandbox JVMs, after skyfn's own (so they can override them)
 * @param executionRetention how long ended workflow executions are kept, with their history
 * @param maxExecutionsKept  ended workflow executions kept at most; the oldest go first
 * @param executionBytesPerTenant bytes of large values a tenant's workflow executions may hold on this node
 * @param isolation        whether the node refuses to start where the host cannot confine sandboxes by the OS
 * @param sandboxTmpBytes  the size of each confined sandbox's private {@code /tmp}: what a function may write to disk
 * @param name             the node's name (in a fleet, its name in the topology): confined sandboxes see it as their host name
 * @param sandboxPids      processes and threads each sandbox may run at once, its JVM's own included (about 20 at rest;
 *                         default 1024, as AWS Lambda allows); enforced where the host offers the pids cgroup controller. A sandbox's memory is limited, where
 *                         the host offers the memory controller, to its heap + max(128 MiB, heap / 2): see the README
 * @param cloud            the cloud the node is part of (the embedded default's is {@code local}): its region is what
 *                         functions read as {@code AWS_REGION}, and the placement's overrides for it give them their environment
 * @param ledgerHeadInterval how often the node signs a head of its usage ledger when calls were metered since the last
 *                         (default 10 s): a tenant's records are proven from the first head after them
 * @param metering         whether every call's usage is recorded in the node's ledger (default true)
 * @param fitSpares        whether, where cgroups limit memory, spares boot with the largest heap in use and are fitted
 *                         to an app with a smaller one (decision 0018; default false: spares are kept per heap size)
 * @param tracing          where the node exports its spans over OTLP, and which share of traces it keeps ({@link
 *                         dev.skyfn.node.tracing.Tracing.Export#OFF}: none, the default)
 * @param sandboxTransport how frames travel between the node and its sandboxes: a Unix socket, or shared memory with the
 *                         socket as doorbell (default: the socket, or the {@value dev.skyfn.node.sandbox.SandboxTransport#PROPERTY}
 *                         system property's)
 */
public record NodeConfig(String host, int port, Path dataDir, int spareSandboxes, long spareMemoryBytes, int maxSandboxes,
                         long sandboxMemoryBytes, long maxRequestBytes,
                         int maxResultBytes, long maxPackageBytes, int maxValueBytes, long stateBytesPerTenant, Duration bootTimeout, Duration loadTimeout, Duration cancelGrace,
                         Duration reapInterval, int maxAsyncPending, Duration asyncRetention, long logBytesPerApp, long logBytesInAll,
                         boolean aotCache, Path cacheDir, List<String> sandboxJvmOptions, Duration executionRetention,
                         int maxExecutionsKept, long executionBytesPerTenant, Isolation isolation, long sandboxTmpBytes,
                         String name, int sandboxPids, dev.skyfn.core.cloud.Cloud cloud, Duration ledgerHeadInterval,
                         boolean metering, boolean fitSpares, dev.skyfn.node.sandbox.SandboxTransport sandboxTransport,
                         dev.skyfn.node.tracing.Tracing.Export tracing) {

    /** What a node does on a host that cannot confine sandboxes by the OS (no bubblewrap, no user namespaces). */
    public enum Isolation {
        /** Refuse to start: the node runs other people's code (the default, and {@code skyfn node}'s). */
        REQUIRED,
        /** Start with unconfined sandboxes and say so (a development machine, or an operator who accepts it). */
        PREFERRED
    }

    /** The fewest processes and threads a sandbox may be limited to: its JVM runs about 20 at rest. */
    public static final int MIN_SANDBOX_PIDS = 64;

    public NodeConfig {
        sandboxJvmOptions = List.copyOf(sandboxJvmOptions);
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link NodeConfig}; setters return the builder. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private Path dataDir;
        private int spareSandboxes = 3;
        private long spareMemoryBytes = hostMemoryBytes() / 4;
        private int maxSandboxes = defaultMaxSandboxes();
        private long sandboxMemoryBytes = Math.max(1L << 30, hostMemoryBytes() - Runtime.getRuntime().maxMemory() - (512L << 20));
        private long maxRequestBytes = 6L << 20;
        private int maxResultBytes = 6 << 20;
        private long maxPackageBytes = 64L << 20;
        private int maxValueBytes = 64 << 20;
        private long stateBytesPerTenant = 1L << 30;
        private Duration bootTimeout = Duration.ofSeconds(30);
        private Duration loadTimeout = Duration.ofSeconds(30);
        private Duration cancelGrace = Duration.ofSeconds(2);
        private Duration reapInterval = Duration.ofSeconds(1);
        private int maxAsyncPending = 10_000;
        private Duration asyncRetention = Duration.ofHours(1);
        private long logBytesPerApp = 4L << 20;
        private long logBytesInAll = 256L << 20;
        private boolean aotCache = true;
        private Path cacheDir = defaultCacheDir();
        private List<String> sandboxJvmOptions = List.of();
        private Duration executionRetention = Duration.ofDays(1);
        private int maxExecutionsKept = 10_000;
        private long executionBytesPerTenant = 4L << 30;
        private Isolation isolation = Isolation.REQUIRED;
        private long sandboxTmpBytes = 512L << 20;
        private String name = "skyfn";
        private int sandboxPids = 1024;
        private dev.skyfn.core.cloud.Cloud cloud = dev.skyfn.core.cloud.Topology.local(1, 0).clouds().getFirst();
        private Duration ledgerHeadInterval = Duration.ofSeconds(10);
        private boolean metering = true;
        private boolean fitSpares;
        private dev.skyfn.node.sandbox.SandboxTransport sandboxTransport = dev.skyfn.node.sandbox.SandboxTransport.byDefault();
        private dev.skyfn.node.tracing.Tracing.Export tracing = dev.skyfn.node.tracing.Tracing.Export.OFF;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        private Builder(NodeConfig c) {
            host = c.host;
            port = c.port;
            dataDir = c.dataDir;
            spareSandboxes = c.spareSandboxes;
            spareMemoryBytes = c.spareMemoryBytes;
            maxSandboxes = c.maxSandboxes;
            sandboxMemoryBytes = c.sandboxMemoryBytes;
            maxRequestBytes = c.maxRequestBytes;
            maxResultBytes = c.maxResultBytes;
            maxPackageBytes = c.maxPackageBytes;
            maxValueBytes = c.maxValueBytes;
            stateBytesPerTenant = c.stateBytesPerTenant;
            bootTimeout = c.bootTimeout;
            loadTimeout = c.loadTimeout;
            cancelGrace = c.cancelGrace;
            reapInterval = c.reapInterval;
            maxAsyncPending = c.maxAsyncPending;
            asyncRetention = c.asyncRetention;
            logBytesPerApp = c.logBytesPerApp;
            logBytesInAll = c.logBytesInAll;
            aotCache = c.aotCache;
            cacheDir = c.cacheDir;
            sandboxJvmOptions = c.sandboxJvmOptions;
            executionRetention = c.executionRetention;
            maxExecutionsKept = c.maxExecutionsKept;
            executionBytesPerTenant = c.executionBytesPerTenant;
            isolation = c.isolation;
            sandboxTmpBytes = c.sandboxTmpBytes;
            name = c.name;
            sandboxPids = c.sandboxPids;
            cloud = c.cloud;
            ledgerHeadInterval = c.ledgerHeadInterval;
            metering = c.metering;
            fitSpares = c.fitSpares;
            sandboxTransport = c.sandboxTransport;
            tracing = c.tracing;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder spareSandboxes(int v) {
            spareSandboxes = v;
            return this;
        }

        public Builder spareMemoryBytes(long v) {
            spareMemoryBytes = v;
            return this;
        }

        public Builder maxSandboxes(int v) {
            maxSandboxes = v;
            return this;
        }

        public Builder sandboxMemoryBytes(long v) {
            sandboxMemoryBytes = v;
            return this;
        }

        public Builder maxRequestBytes(long v) {
            maxRequestBytes = v;
            return this;
        }

        public Builder maxResultBytes(int v) {
            maxResultBytes = v;
            return this;
        }

        public Builder maxPackageBytes(long v) {
            maxPackageBytes = v;
            return this;
        }

        public Builder maxValueBytes(int v) {
            maxValueBytes = v;
            return this;
        }

        public Builder stateBytesPerTenant(long v) {
            stateBytesPerTenant = v;
            return this;
        }

        public Builder bootTimeout(Duration v) {
            bootTimeout = v;
            return this;
        }

        public Builder loadTimeout(Duration v) {
            loadTimeout = v;
            return this;
        }

        public Builder cancelGrace(Duration v) {
            cancelGrace = v;
            return this;
        }

        public Builder reapInterval(Duration v) {
            reapInterval = v;
            return this;
        }

        public Builder maxAsyncPending(int v) {
            maxAsyncPending = v;
            return this;
        }

        public Builder asyncRetention(Duration v) {
            asyncRetention = v;
            return this;
        }

        public Builder logBytesPerApp(long v) {
            logBytesPerApp = v;
            return this;
        }

        public Builder logBytesInAll(long v) {
            logBytesInAll = v;
            return this;
        }

        public Builder aotCache(boolean v) {
            aotCache = v;
            return this;
        }

        public Builder cacheDir(Path v) {
            cacheDir = v;
            return this;
        }

        public Builder sandboxJvmOptions(List<String> v) {
            sandboxJvmOptions = v;
            return this;
        }

        public Builder executionRetention(Duration v) {
            executionRetention = v;
            return this;
        }

        public Builder maxExecutionsKept(int v) {
            maxExecutionsKept = v;
            return this;
        }

        public Builder executionBytesPerTenant(long v) {
            executionBytesPerTenant = v;
            return this;
        }

        public Builder isolation(Isolation v) {
            isolation = v;
            return this;
        }

        public Builder sandboxTmpBytes(long v) {
            sandboxTmpBytes = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder sandboxPids(int v) {
            sandboxPids = v;
            return this;
        }

        public Builder cloud(dev.skyfn.core.cloud.Cloud v) {
            cloud = v;
            return this;
        }

        public Builder metering(boolean v) {
            metering = v;
            return this;
        }

        public Builder tracing(dev.skyfn.node.tracing.Tracing.Export v) {
            tracing = v;
            return this;
        }

        public Builder sandboxTransport(dev.skyfn.node.sandbox.SandboxTransport v) {
            sandboxTransport = v;
            return this;
        }

        public Builder fitSpares(boolean v) {
            fitSpares = v;
            return this;
        }

        public Builder ledgerHeadInterval(Duration v) {
            ledgerHeadInterval = v;
            return this;
        }

        public NodeConfig build() {
            if (spareSandboxes < 0 || spareMemoryBytes < 0 || maxSandboxes < 1 || sandboxMemoryBytes <= 0 || maxRequestBytes <= 0 || maxResultBytes <= 0 || maxPackageBytes <= 0) {
                throw new IllegalArgumentException("sizes and counts must be positive");
            }
            if (ledgerHeadInterval.isNegative() || ledgerHeadInterval.isZero()) {
                throw new IllegalArgumentException("the ledger's head interval must be positive, not " + ledgerHeadInterval);
            }
            if (sandboxPids < MIN_SANDBOX_PIDS) {
                throw new IllegalArgumentException("a sandbox needs at least " + MIN_SANDBOX_PIDS + " processes and threads (its JVM's own), not "
                        + sandboxPids);
            }
            return new NodeConfig(host, port, dataDir, spareSandboxes, spareMemoryBytes, maxSandboxes, sandboxMemoryBytes, maxRequestBytes, maxResultBytes, maxPackageBytes, maxValueBytes, stateBytesPerTenant, bootTimeout,
                    loadTimeout, cancelGrace, reapInterval, maxAsyncPending, asyncRetention, logBytesPerApp, logBytesInAll, aotCache, cacheDir, sandboxJvmOptions,
                    executionRetention, maxExecutionsKept, executionBytesPerTenant, isolation, sandboxTmpBytes, name, sandboxPids, cloud,
                    ledgerHeadInterval, metering, fitSpares, sandboxTransport, tracing);
        }
    }

    private static int defaultMaxSandboxes() {
        return (int) Math.clamp(hostMemoryBytes() / (256L << 20), 4, 1024);
    }

    /** The host's memory, or its container's limit where it has one. */
    private static long hostMemoryBytes() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    private static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("skyfn");
    }

    /** The frame limit on sandbox sockets: the larger payload limit plus room for headers. */
    public int maxFrameBytes() {
        return (int) Math.min(Integer.MAX_VALUE - 1024, Math.max(Math.max(maxRequestBytes, maxResultBytes), maxValueBytes) + (1 << 20));
    }
}
