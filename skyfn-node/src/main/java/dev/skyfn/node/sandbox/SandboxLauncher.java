package dev.skyfn.node.sandbox;

import dev.skyfn.core.Durations;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.WireCodec;
import dev.skyfn.sandbox.SandboxMain;
import dev.skyfn.control.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts sandbox processes: a JVM per sandbox, its heap set to the app's memory, a clean
 * environment, attach disabled, confined by the OS where the host allows ({@link Confinement}),
 * limited by a cgroup of its own where the host offers one ({@link Cgroups}), and a Unix socket
 * back to the node on which only the process the node started is accepted (it must present the
 * token the node gave it on its standard input). Also trains the AOT cache of the sandbox runtime
 * once per JDK and class path.
 */
public final class SandboxLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxLauncher.class);

    private final Path runDir;
    private final Duration bootTimeout;
    private final int maxFrameBytes;
    private final SandboxTransport transport;
    /**
     * Each ring of a shared-memory channel, one each way: frames up to an eighth of it (32 KiB)
     * go through it, larger ones (a large payload) over the socket.
     */
    static final int RING_BYTES = 256 << 10;
    private final List<Path> classpath = SandboxClasspath.detect();
    private final Path javaHome = realJavaHome();
    private final Optional<AotCache> aot;
    private final List<String> jvmOptions;
    private final AtomicLong ids = new AtomicLong();
    private final Confinement confinement;
    private final Cgroups cgroups;
    private final SecureRandom random = new SecureRandom();
    private final Set<Sandbox> live = ConcurrentHashMap.newKeySet();
    /**
     * The one thread every sandbox's process is started from, for as long as the launcher lives.
     * bubblewrap's {@code --die-with-parent} asks for its sandbox to be killed when its parent goes,
     * and Linux takes the parent to be the thread that started it ({@code PR_SET_PDEATHSIG} fires as
     * that thread exits, not the process): a sandbox started on a virtual thread's carrier, or on a
     * pool's thread, was killed with SIGKILL whenever that thread retired.
     */
    private final java.util.concurrent.ExecutorService spawner = java.util.concurrent.Executors.newSingleThreadExecutor(
            task -> Thread.ofPlatform().daemon().name("sandbox-spawner").unstarted(task));
    private volatile Sandbox.EgressSink egress = Sandbox.EgressSink.NONE;
    /** Processes started and not yet sandboxes (still booting): a node that stops kills them too. */
    private final Set<Process> booting = ConcurrentHashMap.newKeySet();
    /** The groups of spares booting at a spare's CPU share: given a serving one as soon as a call waits for a boot. */
    private final Set<Cgroup> sparesBooting = ConcurrentHashMap.newKeySet();

    /** Told how long each sandbox took from its turn to ready, whether it started from the AOT cache, and whether it warmed up. */
    public interface BootObserver {
        void booted(Duration took, boolean fromAotCache, Warmth warmth);
    }

    private final BootObserver observer;
    /**
     * Boots admitted at once: as many as the host has CPUs. A JVM's start is CPU-bound; thirty at
     * once on two CPUs each take fifteen times as long, and overrun every time limit together,
     * while one at a time per CPU they finish in turn. A boot's own time limit starts once it is admitted.
     */
    private final Semaphore admitted = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    /** Loads waiting for a sandbox (cold boots waiting their turn, loads looking for a seat to share): spares go after them. */
    private final AtomicInteger loadsWaiting = new AtomicInteger();
    /** Those of them for online work: batch boots go after them ({@link dev.skyfn.core.manifest.Priority#BATCH}). */
    private final AtomicInteger onlineLoadsWaiting = new AtomicInteger();
    private static final Duration SPARE_POLL = Duration.ofMillis(20);
    /** A boot's typical time once admitted, nanoseconds: a moving average, each boot weighing a quarter; a second until one is seen. */
    private final AtomicLong typicalBootNanos = new AtomicLong(Duration.ofSeconds(1).toNanos());

    /**
     * The system property of a test switch: every boot takes at least this much longer once admitted
     * (e.g. {@code 2s}), as on a slow machine. A property, not an option: a test's node runs in the
     * test's own JVM, and {@code JAVA_OPTS} passes it to a node process.
     */
    public static final String SLOW_BOOT_PROPERTY = "skyfn.test.slowBoot";
    private final Duration slowBoot = Optional.ofNullable(System.getProperty(SLOW_BOOT_PROPERTY)).map(Durations::parse).orElse(Duration.ZERO);

    public SandboxLauncher(Path runDir, Path cacheDir, Duration bootTimeout, int maxFrameBytes, boolean useAot,
                           List<String> jvmOptions, Confinement confinement, Cgroups cgroups, BootObserver observer) {
        this(runDir, cacheDir, bootTimeout, maxFrameBytes, useAot, jvmOptions, confinement, cgroups, observer, SandboxTransport.byDefault());
    }

    public SandboxLauncher(Path runDir, Path cacheDir, Duration bootTimeout, int maxFrameBytes, boolean useAot,
                           List<String> jvmOptions, Confinement confinement, Cgroups cgroups, BootObserver observer,
                           SandboxTransport transport) {
        this.transport = transport;
        this.runDir = runDir;
        this.confinement = confinement;
        this.cgroups = cgroups;
        this.observer = observer;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.bootTimeout = bootTimeout;
        this.maxFrameBytes = maxFrameBytes;
        this.aot = useAot ? AotCache.of(cacheDir, classpath) : Optional.empty();
        if (slowBoot.isPositive()) {
            LOG.warn("test switch {}: every sandbox boot takes {} ms longer", SLOW_BOOT_PROPERTY, slowBoot.toMillis());
        }
        if (useAot && aot.isEmpty()) {
            LOG.info("no AOT cache for sandboxes: the sandbox class path has class directories, not jars");
        }
    }

    /**
     * How a sandbox is booted: a spare {@code WARM}, running its own warm-up first (about a second
     * of CPU) so that an app's first call finds its paths compiled; a sandbox a call already waits
     * for {@code COLD}, ready as soon as its JVM runs, the app's own calls warming it.
     */
    public enum Warmth {
        WARM, COLD
    }

    /**
     * Starts a sandbox and waits until it says hello; it belongs to {@code owner} until adopted.
     * Waits first for its turn among the boots of this node (one per CPU at once); a warm boot (a
     * spare, which no call waits for) waits until no cold boot does.
     *
     * @throws SkyfnException UNAVAILABLE when it does not start within the boot timeout, or the node stops
     */
    public Sandbox boot(int heapMb, Sandbox.Owner owner, Warmth warmth) {
        try {
            admit(warmth);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the node stopped while a sandbox waited to boot");
        }
        return admitted(heapMb, owner, warmth, false);
    }

    /**
     * {@link #boot} a cold sandbox for batch work: its turn comes once no online load waits, and
     * it boots at a spare's CPU share, then serves at the batch one.
     */
    public Sandbox bootForBatch(int heapMb, Sandbox.Owner owner) {
        loadsWaiting.incrementAndGet();
        try {
            while (onlineLoadsWaiting.get() > 0 || !admitted.tryAcquire()) {
                Thread.sleep(SPARE_POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the node stopped while a sandbox waited to boot");
        } finally {
            loadsWaiting.decrementAndGet();
        }
        return admitted(heapMb, owner, Warmth.COLD, true);
    }

    /**
     * {@link #boot} a cold sandbox if a boot's turn is free now, else null at once: for a load
     * that would rather take a seat in a warm sandbox than queue for a boot. A batch load never
     * takes a turn an online load waits for.
     */
    public Sandbox bootIfFree(int heapMb, Sandbox.Owner owner, boolean batch) {
        return (!batch || onlineLoadsWaiting.get() == 0) && admitted.tryAcquire() ? admitted(heapMb, owner, Warmth.COLD, batch) : null;
    }

    /** Whether a boot's turn is free now. */
    public boolean bootTurnFree() {
        return admitted.availablePermits() > 0;
    }

    /** Boots with a turn already taken, and gives the turn back. */
    private Sandbox admitted(int heapMb, Sandbox.Owner owner, Warmth warmth, boolean batch) {
        try {
            long start = System.nanoTime();
            slowDown();
            List<String> extra = aot.filter(AotCache::ready).map(c -> c.useFlags(warmth)).orElse(List.of());
            Sandbox sandbox = boot(heapMb, owner, extra, List.of(), true, warmth, batch);
            connect(sandbox);
            long took = System.nanoTime() - start;
            typicalBootNanos.updateAndGet(typical -> typical + (took - typical) / 4);
            observer.booted(Duration.ofNanos(took), !extra.isEmpty(), warmth);
            return sandbox;
        } finally {
            admitted.release();
        }
    }

    /** Holds an admitted boot for as long as the slow-boot test switch says. */
    private void slowDown() {
        if (slowBoot.isPositive()) {
            try {
                Thread.sleep(slowBoot);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable("the node stopped while a sandbox booted");
            }
        }
    }

    /** How long a sandbox's boot typically takes here once admitted: a moving average of the recent ones. */
    public Duration typicalBoot() {
        return Duration.ofNanos(typicalBootNanos.get());
    }

    private void admit(Warmth warmth) throws InterruptedException {
        if (warmth == Warmth.COLD) {
            // a call waits: the spares booting ahead of it are what it may get soonest
            sparesBooting.forEach(Cgroup::asServing);
            loadsWaiting.incrementAndGet();
            onlineLoadsWaiting.incrementAndGet();
            try {
                admitted.acquire();
            } finally {
                onlineLoadsWaiting.decrementAndGet();
                loadsWaiting.decrementAndGet();
            }
            return;
        }
        while (loadsWaiting.get() > 0 || !admitted.tryAcquire(SPARE_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
            Thread.sleep(SPARE_POLL.toMillis());
        }
    }

    /**
     * Says a load waits for a sandbox by other means than a boot's turn (a seat to share): spares,
     * which no call waits for, do not boot meanwhile, nor, if it is online work, batch work's
     * sandboxes; {@code waiting} false when it stops waiting.
     */
    public void loadWaiting(boolean waiting, boolean batch) {
        loadsWaiting.addAndGet(waiting ? 1 : -1);
        if (!batch) {
            onlineLoadsWaiting.addAndGet(waiting ? 1 : -1);
        }
    }

    /** Boots waiting for their turn now. */
    public int bootsWaiting() {
        return admitted.getQueueLength();
    }

    /** Gives a confined sandbox its way out to the network, if this host has one; a sandbox that cannot get one is not used. */
    private void connect(Sandbox sandbox) {
        Optional<Path> slirp = confinement.outbound();
        if (slirp.isEmpty()) {
            return;
        }
        try {
            sandbox.connect(Outbound.attach(slirp.get(), sandbox.handle(), bootTimeout), (id, apps, bytes) -> egress.sent(id, apps, bytes));
        } catch (IOException e) {
            sandbox.kill("it got no network");
            throw unavailable("cannot give a new sandbox its network: " + e.getMessage());
        }
    }

    /** Tells {@code sink} of the bytes every sandbox sends out of the node, from now on. */
    public void countEgressTo(Sandbox.EgressSink sink) {
        egress = sink;
    }

    /** Counts the bytes every live sandbox sent out since the last count; run every few seconds. */
    public void countEgress() {
        live.forEach(Sandbox::countEgress);
    }

    /** Times out the calls of every live sandbox whose deadline has passed; run every few milliseconds. */
    public void expireCalls(Duration cancelGrace) {
        long now = System.nanoTime();
        for (Sandbox s : live) {
            s.expire(now, cancelGrace.toNanos());
        }
    }

    /** Kills every sandbox this launcher started that is still alive, and removes their cgroups; the node is stopping. */
    public void killAll() {
        booting.forEach(Process::destroyForcibly);
        live.forEach(s -> s.kill("the node stopped"));
        spawner.shutdown(); // its thread's end takes any sandbox started since with it
        cgroups.removeAll(Duration.ofSeconds(2));
    }

    /** Trains the AOT cache in the background if it is missing; sandboxes use it once it exists. */
    public CompletableFuture<Void> trainAotCache() {
        if (aot.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        AotCache cache = aot.get();
        return CompletableFuture.runAsync(() -> {
            try {
                if (cache.ready() && cache.usable(javaHome, cache.file())) {
                    return;
                }
                // a cache a JVM cannot map (cut short while it was assembled) would only slow every sandbox down
                Files.deleteIfExists(cache.file());
                Files.createDirectories(cache.file().getParent());
                // the node's own run, no tenant's code: not held to a sandbox's memory limit, which the JVM
                // it starts as it exits to assemble the cache (a second JVM in the same group) would overrun
                Sandbox trainee = boot(256, Sandbox.Owner.NONE, cache.trainFlags(), List.of(cache.file().getParent()), false,
                        Warmth.WARM, false);
                // the JVM writes the cache as it exits, which takes a while
                trainee.stop(Duration.ofSeconds(60));
                trainee.exited().get(60, TimeUnit.SECONDS);
                cache.awaitAssembled(Duration.ofSeconds(60));
                if (Files.exists(cache.trainingOutput()) && cache.usable(javaHome, cache.trainingOutput())) {
                    Files.move(cache.trainingOutput(), cache.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    LOG.info("sandboxes now start from the AOT cache {}", cache.file());
                } else {
                    Files.deleteIfExists(cache.trainingOutput());
                    LOG.warn("the sandbox AOT cache was not made (its training run ended before the cache was written); the next start of the node tries again");
                }
                cache.removeStale();
            } catch (Exception e) {
                LOG.warn("could not train the sandbox AOT cache: {}", e.toString());
            }
        }, Thread.ofVirtual()::start);
    }

    /**
     * Starts a sandbox that sees, besides what every sandbox sees, {@code writable} (only the
     * node's own training run), in a cgroup of its own when {@code limited}.
     */
    private Sandbox boot(int heapMb, Sandbox.Owner owner, List<String> extraFlags, List<Path> writable, boolean limited,
                         Warmth warmth, boolean batch) {
        long id = ids.incrementAndGet();
        boolean shared = transport == SandboxTransport.SHARED_MEMORY;
        var view = new Confinement.View(runDir.resolve("sb-" + id), readOnly(extraFlags), writable, shared);
        String token = HexFormat.of().formatHex(nextToken());
        Sandbox sandbox = null;
        Cgroup cgroup = Cgroup.NONE;
        Process launched = null;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Files.createDirectories(view.appDir());
            Files.createDirectories(view.listenDir());
            Files.createDirectories(view.peersDir());
            for (var file : confinement.files(view).entrySet()) {
                Files.write(file.getKey(), file.getValue());
            }
            server.bind(UnixDomainSocketAddress.of(view.socket()));
            cgroup = limited ? cgroups.create(heapMb) : Cgroup.NONE;
            if (batch) {
                // batch work boots on what online work leaves, though not so little that it never boots
                cgroup.asSpare();
            } else if (warmth == Warmth.WARM && cgroup != Cgroup.NONE) {
                // a spare no call waits for boots and warms up on what serving sandboxes leave of the CPU
                cgroup.asSpare();
                sparesBooting.add(cgroup);
                if (loadsWaiting.get() > 0) {
                    cgroup.asServing();
                }
            }
            if (shared) {
                FrameChannel.createSharedMemory(view.frames(), RING_BYTES);
            }
            // a confined sandbox's first process starts in / rather than its run directory, whose host path it would see in its PWD
            Process process = start(cgroup.wrap(confinement.wrap(view, command(heapMb, confinement.socketFor(view),
                    shared ? confinement.framesFor(view) : null, extraFlags, warmth))), confinement.confines() ? Path.of("/") : view.dir());
            launched = process;
            booting.add(process);
            process.onExit().thenRun(() -> booting.remove(process));
            giveToken(process, token);
            ProcessOutput output = ProcessOutput.follow(process);
            process.onExit().thenRun(() -> closeQuietly(server));
            SocketChannel channel = within(process, output, "connect", server::accept);
            FrameChannel frames;
            if (shared) {
                Files.deleteIfExists(view.socket());
                frames = FrameChannel.overSharedMemory(channel, view.frames(), true, maxFrameBytes);
            } else {
                // the first socket carries the node's frames, the second the sandbox's, read by a platform thread alone
                Message first = within(process, output, "say hello", () -> FrameChannel.readOne(channel, maxFrameBytes));
                if (!(first instanceof Message.Hello calls) || !calls.presents(token)) {
                    closeQuietly(channel);
                    deleteTreeQuietly(view.dir());
                    abandon(cgroup, launched);
                    throw impostor(id);
                }
                SocketChannel answers = within(process, output, "connect its second socket", server::accept);
                Files.deleteIfExists(view.socket());
                frames = FrameChannel.overSockets(answers, channel, maxFrameBytes);
            }
            Sandbox started = new Sandbox(id, heapMb, process, frames, output, owner,
                    app -> stage(view, app), cgroup);
            sandbox = started;
            live.add(started);
            booting.remove(process);
            started.whenDead().thenRun(() -> {
                live.remove(started);
                deleteTreeQuietly(view.dir());
            });
            Message.Hello hello = sandbox.hello().get(bootTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!hello.presents(token)) {
                sandbox.kill("an impostor connected in its place");
                throw impostor(id);
            }
            if (hello.protocol() != WireCodec.PROTOCOL_VERSION) {
                sandbox.kill("it speaks sandbox protocol " + hello.protocol());
                throw unavailable("the new sandbox speaks protocol " + hello.protocol() + " and this node "
                        + WireCodec.PROTOCOL_VERSION + ": its runtime is not this node's build");
            }
            // both ends have mapped it: no other process may open it from here on
            deleteQuietly(view.frames());
            offerDirectCalls(sandbox, view);
            return sandbox;
        } catch (IOException e) {
            deleteTreeQuietly(view.dir());
            abandon(cgroup, launched);
            throw unavailable("cannot start a sandbox: " + e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
            if (sandbox != null) {
                sandbox.kill("it did not say hello within " + bootTimeout.toSeconds() + " s");
            }
            throw unavailable("a sandbox did not start within " + bootTimeout.toSeconds() + " s: " + e);
        } catch (InterruptedException e) {
            if (sandbox != null) {
                sandbox.kill("the node stopped waiting for it");
            }
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while starting a sandbox");
        } finally {
            sparesBooting.remove(cgroup);
            deleteQuietly(view.socket());
            deleteQuietly(view.frames());
        }
    }

    /**
     * Lets the sandbox take direct calls from other sandboxes of its tenant if it bound its socket
     * ({@code listen/peer.sock}) before its hello, when no app's code has run in it yet. The socket
     * is kept under a name of the node's, outside the sandbox's view ({@code door.sock}; callers
     * reach it through links to the same socket), and {@code listen/} is removed: nothing can be
     * made in a removed directory, and the kernel detaches the sandbox's mount of it, so nothing
     * the sandbox writes there, even after it changed the directory's mode, reaches the node's disk.
     */
    private static void offerDirectCalls(Sandbox sandbox, Confinement.View view) throws IOException {
        Path bound = view.listenDir().resolve("peer.sock");
        Path door = view.dir().resolve("door.sock");
        boolean socket = Files.exists(bound, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && Files.readAttributes(bound, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther();
        if (socket) {
            Files.createLink(door, bound);
        }
        try {
            AtomicFiles.deleteTree(view.listenDir());
        } catch (IOException e) {
            // a kernel older than 3.18 keeps a directory another namespace mounts: the sandbox could write there
            LOG.error("sandbox {} keeps a directory it can write to on the node's disk ({}): {}", sandbox.id(), view.listenDir(), e.toString());
            return;
        }
        if (socket) {
            sandbox.takesDirectCalls(door, view.peersDir());
        }
    }

    /** Ends the process of a sandbox that never became one, if it started, and removes its group once it is gone. */
    private static void abandon(Cgroup cgroup, Process process) {
        if (process == null) {
            cgroup.remove();
        } else {
            process.destroyForcibly();
            process.onExit().thenRun(cgroup::remove);
        }
    }

    private byte[] nextToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return bytes;
    }

    /** What every sandbox sees read-only besides the system: the JDK, the sandbox runtime's class path, the AOT cache it uses. */
    private List<Path> readOnly(List<String> extraFlags) {
        List<Path> paths = new ArrayList<>(classpath);
        paths.add(javaHome);
        aot.filter(AotCache::ready).filter(c -> extraFlags.containsAll(c.useFlags())).ifPresent(c -> paths.add(c.file()));
        return paths;
    }

    /** The JDK sandboxes run on, by its real path: a confined sandbox is shown it there. */
    private static Path realJavaHome() {
        try {
            return Path.of(System.getProperty("java.home")).toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sandbox's token on its standard input, which is then closed: only its own process can read it. */
    private static void giveToken(Process process, String token) throws IOException {
        try (var in = process.getOutputStream()) {
            in.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Puts an app's jar where the sandbox can read it (a hard link, or a copy across file systems); its path there. */
    private String stage(Confinement.View view, DeployedApp app) {
        String name = app.name() + "-v" + app.version() + ".jar";
        Path target = view.appDir().resolve(name);
        try {
            Files.deleteIfExists(target);
            try {
                Files.createLink(target, app.jar());
            } catch (IOException | UnsupportedOperationException notLinkable) {
                Files.copy(app.jar(), target);
            }
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "cannot hand the app's jar to its sandbox: " + e.getMessage());
        }
        return confinement.jarFor(view, name);
    }

    /** How sandboxes are confined on this node. */
    public Confinement confinement() {
        return confinement;
    }

    /** How sandboxes are limited on this node. */
    public Cgroups cgroups() {
        return cgroups;
    }

    /**
     * The module options of every sandbox JVM, which an AOT cache must be made and checked with:
     * {@code java.lang} is opened so that the sandbox can measure each call's CPU time (a
     * scheduler per virtual thread, see the sandbox's CallCpu). The app's code gains no reach
     * beyond its own process by it, and that process serves only its own tenant, confined by the OS.
     */
    static final List<String> MODULE_OPTIONS = List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED");

    /** The sandbox JVM's command line; {@code frames}, the shared-memory file as the sandbox sees it, null for the socket alone. */
    List<String> command(int heapMb, String socket, String frames, List<String> extraFlags, Warmth warmth) {
        List<String> cmd = new ArrayList<>(List.of(
                javaHome.resolve("bin").resolve("java").toString(),
                "-Xmx" + heapMb + "m",
                "-Xms" + Math.min(heapMb, 16) + "m",
                // small heaps, fast start, a small footprint per sandbox
                "-XX:+UseSerialGC",
                // a full collection gives free heap back at once: a spare fitted to a smaller app's heap shrinks back to it (HeapLimit)
                "-XX:-ShrinkHeapInSteps",
                "-XX:-UsePerfData",
                "-XX:MaxMetaspaceSize=256m",
                // other sandboxes on the host must not attach agents to this one
                "-XX:+DisableAttachMechanism",
                "-Djava.awt.headless=true",
                // the States Language's JSONPath library logs through SLF4J: the sandbox has nowhere to send it
                "-Dslf4j.provider=org.slf4j.helpers.NOPServiceProvider"));
        cmd.addAll(MODULE_OPTIONS);
        cmd.addAll(extraFlags);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classpath.stream().map(Path::toString).collect(Collectors.joining(":")),
                SandboxMain.class.getName(), socket, Integer.toString(maxFrameBytes), warmth.name().toLowerCase(java.util.Locale.ROOT)));
        if (frames != null) {
            cmd.add(frames);
        }
        return cmd;
    }

    private Process start(List<String> command, Path dir) throws IOException {
        var pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        // a function sees none of the node's environment (which may hold keys), nor the host's PATH (which names its users' homes)
        var env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        java.util.concurrent.Future<Process> started;
        try {
            started = spawner.submit(pb::start);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("the node is stopping");
        }
        try {
            // not given up on an interrupt: the process would be started, and nobody's
            return dev.skyfn.core.Uninterruptibly.waitFor(started::get);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** What the new sandbox's process must do within the boot timeout: {@code step}, run on a virtual thread. */
    private <T> T within(Process process, ProcessOutput output, String what, java.util.concurrent.Callable<T> step) throws IOException {
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return step.call();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, Thread.ofVirtual()::start).get(bootTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            String why = process.isAlive() ? (e instanceof TimeoutException ? "timed out" : String.valueOf(e.getCause()))
                    : "exited with status " + process.exitValue();
            process.destroyForcibly();
            String tail = output.tail();
            throw new IOException("the sandbox process did not " + what + " (" + why + ")" + (tail.isEmpty() ? "" : ": " + tail));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Logs that the process connected as sandbox {@code id} did not present its token; the error its boot fails with. */
    private static SkyfnException impostor(long id) {
        LOG.warn("refused the process that connected as sandbox {}: it did not present the token given to that sandbox", id);
        return unavailable("the process that connected as a new sandbox was not the one the node started; refused");
    }

    private static SkyfnException unavailable(String message) {
        return new SkyfnException(ErrorCode.UNAVAILABLE, message);
    }

    private static void closeQuietly(java.io.Closeable server) {
        try {
            server.close();
        } catch (IOException ignored) {
            // it is closing anyway
        }
    }

    private static void deleteTreeQuietly(Path dir) {
        try {
            dev.skyfn.control.AtomicFiles.deleteTree(dir);
        } catch (IOException ignored) {
            // the run directory is removed when the node stops
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the run directory is removed when the node stops
        }
    }
}
