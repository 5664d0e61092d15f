package dev.skyfn.node.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.LogLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-booted generic sandboxes, so that no request waits for a JVM to start: an app's jar is loaded
 * into one on first use. A sandbox's heap is fixed when its JVM starts, so spares are kept per heap
 * size: {@code spares} in all, shared among the sizes most recently asked for ({@link #targets}).
 * Refills happen one at a time in the background, so a burst of boots does not starve the node.
 */
public final class SandboxPool implements Sandbox.Owner, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxPool.class);
    /** Boots of one spare tried before giving up until the next refill: a slow machine gets another chance. */
    private static final int BOOT_ATTEMPTS = 3;

    private final SandboxLauncher launcher;
    private final int spares;
    private final SequencedSet<Integer> wanted = new LinkedHashSet<>();
    private final Map<Integer, Deque<Sandbox>> idle = new HashMap<>();
    private final Map<Integer, Integer> booting = new HashMap<>();
    private final ExecutorService refiller = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("sandbox-refill").factory());
    private volatile boolean closed;

    public SandboxPool(SandboxLauncher launcher, int spares) {
        this.launcher = launcher;
        this.spares = spares;
    }

    /** Says heap size {@code heapMb} will be asked for (an app with that memory was deployed), and refills. */
    public void want(int heapMb) {
        remember(heapMb);
        refill();
    }

    private void remember(int heapMb) {
        synchronized (this) {
            wanted.remove(heapMb);
            wanted.addLast(heapMb);
            while (wanted.size() > spares) {
                Integer dropped = wanted.removeFirst();
                Deque<Sandbox> extra = idle.remove(dropped);
                if (extra != null) {
                    extra.forEach(Sandbox::stop);
                }
            }
        }
    }

    /**
     * A booted sandbox with this heap, from the spares if one is ready, else started now. The
     * spare is not replaced until {@link #refill()}: a JVM booting beside the app being loaded
     * would slow that load on a small host.
     */
    public Sandbox take(int heapMb) {
        Sandbox sandbox = poll(heapMb);
        remember(heapMb);
        return sandbox != null ? sandbox : launcher.boot(heapMb, this, SandboxLauncher.Warmth.COLD);
    }

    /** Whether a spare with this heap is ready now. */
    public synchronized boolean hasSpare(int heapMb) {
        Deque<Sandbox> ready = idle.get(heapMb);
        return ready != null && !ready.isEmpty();
    }

    /** Whether a boot would start now rather than wait for its turn. */
    public boolean bootWouldStart() {
        return launcher.bootWouldStart();
    }

    private synchronized Sandbox poll(int heapMb) {
        Deque<Sandbox> ready = idle.get(heapMb);
        while (ready != null && !ready.isEmpty()) {
            Sandbox s = ready.pollFirst();
            if (s.state() == Sandbox.State.IDLE) {
                return s;
            }
        }
        return null;
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
        idle.forEach((heap, ready) -> counts.put(heap, ready.size()));
        return counts;
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

    /** Boots, in the background, the spares each wanted heap size lacks. */
    public void refill() {
        List<Integer> missing = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            targets(List.copyOf(wanted), spares).forEach((heap, target) -> {
                int have = idle.getOrDefault(heap, new ArrayDeque<>()).size() + booting.getOrDefault(heap, 0);
                for (int i = have; i < target; i++) {
                    booting.merge(heap, 1, Integer::sum);
                    missing.add(heap);
                }
            });
        }
        for (int heap : missing) {
            refiller.execute(() -> bootSpare(heap));
        }
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
            if (sandbox != null && !closed && wanted.contains(heapMb)) {
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
            Deque<Sandbox> ready = idle.get(sandbox.heapMb());
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
