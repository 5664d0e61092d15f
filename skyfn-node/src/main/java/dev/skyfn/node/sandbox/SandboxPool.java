package dev.skyfn.node.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.LogLine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-booted generic sandboxes, so that no request waits for a JVM to start: an app's jar is loaded
 * into one on first use. How many: {@code spares} at least, more while cold starts are frequent,
 * within a memory budget ({@link SpareDemand}); spares beyond that stop once the burst is over.
 * A sandbox's heap is fixed when its JVM starts, so spares are kept per heap size, shared among the
 * sizes most recently asked for ({@link #targets}); or, when the node fits spares and cgroups limit
 * sandboxes' memory, spares boot with the largest heap asked for and serve an app of any heap up to
 * it, fitted to the app's ({@link Sandbox#fit}, decision 0018). Refills happen one at a time in the background, so a
 * burst of boots does not starve the node.
 */
public final class SandboxPool implements Sandbox.Owner, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxPool.class);
    /** Boots of one spare tried before giving up until the next refill: a slow machine gets another chance. */
    private static final int BOOT_ATTEMPTS = 3;
    /** Heap sizes remembered, the most recent last: more than a node's apps use at once, and spares go to the most recent. */
    private static final int WANTED_SIZES = 16;
    /** How often spares beyond the target are looked for once cold starts stop coming. */
    private static final Duration TRIM_INTERVAL = Duration.ofSeconds(1);
    /**
     * How long after a refill its boots start: a spare is taken by a cold start whose first call
     * is still running, and a JVM starting beside it on a small host slows that call (by about
     * 2 ms of 12 on two CPUs); a boot takes hundreds of milliseconds, so this delays little.
     */
    private static final Duration BOOT_DELAY = Duration.ofMillis(100);

    private final SandboxLauncher launcher;
    private final int spares;
    private final long budgetMb;
    /** Whether a spare serves apps of smaller heaps than its own: only where cgroups bound what each sandbox holds. */
    private final boolean anyHeap;
    private final LongSupplier nanoClock;
    private final SpareDemand demand = new SpareDemand(); // guarded by this
    private final SequencedSet<Integer> wanted = new LinkedHashSet<>();
    private final Map<Integer, Deque<Sandbox>> idle = new HashMap<>();
    private final Map<Integer, Integer> booting = new HashMap<>();
    private final ScheduledExecutorService refiller = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sandbox-refill").factory());
    private volatile boolean closed;

    /**
     * @param spares          spares kept at all times (the floor)
     * @param spareMemoryBytes what spares above the floor may hold in all, each counted at its memory limit
     * @param fit              whether spares serve apps of smaller heaps, fitted to them, where cgroups limit memory
     */
    public SandboxPool(SandboxLauncher launcher, int spares, long spareMemoryBytes, boolean fit) {
        this(launcher, spares, spareMemoryBytes, fit, System::nanoTime);
    }

    SandboxPool(SandboxLauncher launcher, int spares, long spareMemoryBytes, boolean fit, LongSupplier nanoClock) {
        this.launcher = launcher;
        this.spares = spares;
        this.budgetMb = spareMemoryBytes >> 20;
        this.anyHeap = fit && launcher.cgroups().limitsMemory();
        this.nanoClock = nanoClock;
        refiller.scheduleWithFixedDelay(this::trimQuietly, TRIM_INTERVAL.toMillis(), TRIM_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A trim on the timer: a failure is said, and the next one runs all the same. */
    private void trimQuietly() {
        try {
            trim();
        } catch (RuntimeException e) {
            LOG.warn("could not stop the spare sandboxes beyond the target: {}", e.toString());
        }
    }

    /** Says heap size {@code heapMb} will be asked for (an app with that memory was deployed), and refills. */
    public void want(int heapMb) {
        remember(heapMb);
        refill();
    }

    /**
     * Forgets a heap size no app on the node uses any more (its last one was removed), unless it is
     * the only one remembered: spares of that size stop as those of the sizes left are ready.
     */
    public void unwant(int heapMb) {
        synchronized (this) {
            if (wanted.size() <= 1 || !wanted.remove(heapMb)) {
                return;
            }
        }
        refill();
    }

    /**
     * Says heap size {@code heapMb} may be asked for (an app that may be placed here has that
     * memory), and refills: remembered as the least recent size, it keeps a spare only where the
     * spares outnumber the sizes this node's own apps ask for. Nothing changes if it is remembered already.
     */
    public void mayWant(int heapMb) {
        synchronized (this) {
            if (wanted.contains(heapMb) || wanted.size() >= WANTED_SIZES) {
                return;
            }
            wanted.addFirst(heapMb);
        }
        refill();
    }

    /** Remembers a heap size as the most recent; the spares of sizes forgotten stop at the next trim. */
    private synchronized void remember(int heapMb) {
        wanted.remove(heapMb);
        wanted.addLast(heapMb);
        while (wanted.size() > WANTED_SIZES) {
            wanted.removeFirst();
        }
    }

    /**
     * A booted sandbox with this heap for an app's load (a cold start, counted towards the spares
     * kept), from the spares if one is ready, else started now. The spare is not replaced until
     * {@link #refill()}: a JVM booting beside the app being loaded would slow that load on a small host.
     * A boot for batch work ({@code batch}) waits until no online load does.
     */
    public Sandbox take(int heapMb, boolean batch) {
        Sandbox spare = takeSpare(heapMb);
        if (spare != null) {
            return spare;
        }
        return batch ? launcher.bootForBatch(heapMb, this) : launcher.boot(heapMb, this, SandboxLauncher.Warmth.COLD);
    }

    /** Whether a spare is ready or a boot's turn is free now (a hint: another load may take either first). */
    public boolean couldTakeNow(int heapMb) {
        return hasSpare(heapMb) || launcher.bootTurnFree();
    }

    private synchronized boolean hasSpare(int heapMb) {
        return ready(heapMb) > 0;
    }

    /** Spares ready now that can serve an app of this heap; guarded by this. */
    private int ready(int heapMb) {
        return sizesFor(idle.keySet(), heapMb, anyHeap).stream().mapToInt(size -> idle.get(size).size()).sum();
    }

    /** Spares of exactly this heap ready now; guarded by this. */
    private int readyOfSize(int heapMb) {
        Deque<Sandbox> ready = idle.get(heapMb);
        return ready == null ? 0 : ready.size();
    }

    /**
     * The heap sizes of spares that can serve an app of {@code heapMb} MiB, the one to try first
     * first: that size alone; or, when spares fit any smaller heap ({@code anyHeap}), every size
     * from {@code heapMb} up, smallest first (the least memory left unused until the spare is
     * fitted, and the least the JVM's own structures grow with its maximum heap).
     */
    static List<Integer> sizesFor(java.util.Collection<Integer> ready, int heapMb, boolean anyHeap) {
        if (!anyHeap) {
            return ready.contains(heapMb) ? List.of(heapMb) : List.of();
        }
        return ready.stream().filter(size -> size >= heapMb).sorted().toList();
    }

    /**
     * {@link #take} if a spare is ready or a boot's turn is free now, else null at once (counting
     * no cold start): for a load that would rather share a warm sandbox than queue for a boot.
     */
    public Sandbox takeIfFree(int heapMb, boolean batch) {
        Sandbox spare;
        synchronized (this) {
            spare = hasSpare(heapMb) ? takeSpare(heapMb) : null;
        }
        if (spare != null) {
            return spare;
        }
        Sandbox booted = launcher.bootIfFree(heapMb, this, batch);
        if (booted != null) {
            coldStart(heapMb);
        }
        return booted;
    }

    /** See {@link SandboxLauncher#loadWaiting}. */
    public void loadWaiting(boolean waiting, boolean batch) {
        launcher.loadWaiting(waiting, batch);
    }

    /** Counts a cold start that needs a sandbox with this heap, and takes a spare for it if one is ready. */
    private synchronized Sandbox takeSpare(int heapMb) {
        coldStart(heapMb);
        for (int size : sizesFor(idle.keySet(), heapMb, anyHeap)) {
            Deque<Sandbox> ready = idle.get(size);
            while (!ready.isEmpty()) {
                Sandbox s = ready.pollFirst();
                if (s.state() == Sandbox.State.IDLE && (size == heapMb || s.fit(heapMb))) {
                    return s;
                }
                if (s.state() == Sandbox.State.IDLE) {
                    s.stop(); // it could not be fitted: it holds more than the app may
                }
            }
        }
        return null;
    }

    /** Counts a cold start that needs a sandbox with this heap: the spares kept follow their rate, the heap sizes their recency. */
    private synchronized void coldStart(int heapMb) {
        demand.coldStart(nanoClock.getAsLong());
        remember(heapMb);
    }

    /** Sandbox boots waiting for their turn on this node now. */
    public int bootsWaiting() {
        return launcher.bootsWaiting();
    }

    public synchronized int idleCount() {
        return idle.values().stream().mapToInt(Deque::size).sum();
    }

    /** Spare sandboxes by heap size in MiB. */
    public synchronized Map<Integer, Integer> idleByHeap() {
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        idle.forEach((heap, ready) -> {
            if (!ready.isEmpty()) {
                counts.put(heap, ready.size());
            }
        });
        return counts;
    }

    /**
     * Spares this pool keeps now, in all: {@code spares} at least, more while cold starts are
     * frequent, as many as fit the memory budget ({@link SpareDemand#target}).
     */
    public synchronized int target() {
        return SpareDemand.target(spares, demand.coldStarts(nanoClock.getAsLong()), SpareDemand.WINDOW, launcher.typicalBoot(),
                bootSizes(), budgetMb);
    }

    /** The heap sizes spares boot with: the largest wanted where a spare serves any smaller heap, else every one wanted. */
    private synchronized List<Integer> bootSizes() {
        if (anyHeap && !wanted.isEmpty()) {
            return List.of(wanted.stream().max(Integer::compare).orElseThrow());
        }
        return List.copyOf(wanted);
    }

    /** How many spares each heap size keeps now. */
    private synchronized Map<Integer, Integer> targets() {
        return targets(bootSizes(), target());
    }

    /**
     * How many spares each wanted heap size keeps: {@code spares} shared evenly among the sizes in
     * {@code wanted} (oldest first), the sizes asked for most recently taking what does not divide.
     */
    static Map<Integer, Integer> targets(List<Integer> wanted, int spares) {
        Map<Integer, Integer> targets = new java.util.LinkedHashMap<>();
        List<Integer> sizes = wanted.subList(Math.max(0, wanted.size() - spares), wanted.size());
        for (int i = 0; i < sizes.size(); i++) {
            int extra = i >= sizes.size() - spares % sizes.size() ? 1 : 0;
            targets.put(sizes.get(i), spares / sizes.size() + extra);
        }
        return targets;
    }

    /** Boots, in the background, the spares each wanted heap size lacks, and stops those beyond the target. */
    public void refill() {
        trim();
        List<Integer> missing = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            targets().forEach((heap, target) -> {
                int have = readyOfSize(heap) + booting.getOrDefault(heap, 0);
                for (int i = have; i < target; i++) {
                    booting.merge(heap, 1, Integer::sum);
                    missing.add(heap);
                }
            });
        }
        for (int heap : missing) {
            refiller.schedule(() -> bootSpare(heap), BOOT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops the spares beyond each heap size's target: a burst is over, or a size was forgotten.
     * Spares of a size no longer booted stay while the sizes now booted lack ready spares, so that
     * deploying an app of a new size leaves none short for the seconds a boot takes (they can still
     * serve the apps their heap fits).
     */
    private void trim() {
        List<Sandbox> surplus = new ArrayList<>();
        synchronized (this) {
            Map<Integer, Integer> targets = targets();
            int[] missing = {targets.entrySet().stream().mapToInt(t -> Math.max(0, t.getValue() - readyOfSize(t.getKey()))).sum()};
            idle.forEach((heap, ready) -> {
                int keep = targets.getOrDefault(heap, 0);
                if (!targets.containsKey(heap)) {
                    keep = Math.min(ready.size(), missing[0]);
                    missing[0] -= keep;
                }
                while (ready.size() > keep) {
                    surplus.add(ready.pollLast());
                }
            });
        }
        surplus.forEach(Sandbox::stop);
    }

    private void bootSpare(int heapMb) {
        Sandbox sandbox = null;
        for (int attempt = 1; sandbox == null && !closed && attempt <= BOOT_ATTEMPTS; attempt++) {
            try {
                sandbox = launcher.boot(heapMb, this, SandboxLauncher.Warmth.WARM);
            } catch (RuntimeException e) {
                if (closed) {
                    break;
                }
                boolean last = attempt == BOOT_ATTEMPTS;
                LOG.warn("a spare sandbox of {} MiB did not boot (attempt {} of {}): {}{}", heapMb, attempt, BOOT_ATTEMPTS,
                        e.getMessage(), last ? "; the next call that needs one boots it" : "; trying again");
                if (!last && !pause(attempt)) {
                    break;
                }
            }
        }
        synchronized (this) {
            booting.merge(heapMb, -1, Integer::sum);
            if (sandbox != null && !closed && readyOfSize(heapMb) < targets().getOrDefault(heapMb, 0)) {
                idle.computeIfAbsent(heapMb, h -> new ArrayDeque<>()).addLast(sandbox);
                sandbox = null;
            }
        }
        if (sandbox != null) {
            sandbox.stop();
        }
    }

    /** Waits a little longer after each failed boot; false when interrupted. */
    private static boolean pause(int attempt) {
        try {
            Thread.sleep(500L << attempt);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void logs(Sandbox sandbox, List<LogLine> lines) {
        // an idle sandbox has no app to log for
    }

    @Override
    public void retireRequested(Sandbox sandbox, ErrorCode code, String reason) {
        sandbox.kill(reason);
    }

    @Override
    public void died(Sandbox sandbox) {
        synchronized (this) {
            Deque<Sandbox> ready = idle.get(sandbox.maxHeapMb());
            if (ready != null) {
                ready.remove(sandbox);
            }
        }
        refill();
    }

    @Override
    public void close() {
        List<Sandbox> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        refiller.shutdownNow();
        all.forEach(Sandbox::stop);
    }
}
