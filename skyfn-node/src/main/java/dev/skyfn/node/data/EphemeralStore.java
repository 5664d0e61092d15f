package dev.skyfn.node.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.data.NamespacePaths;
import dev.skyfn.core.data.Namespaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Jiffy's ephemeral state in this node's memory (see {@link Namespaces}). The clock is injected,
 * so leases are tested without waiting.
 */
public final class EphemeralStore implements Namespaces {

    private static final int ENTRY_OVERHEAD = 64;

    /** Someone waiting on a namespace: for it to be ready ({@code items} &lt; 0) or to hold {@code items}. */
    private record Waiter(int items, Consumer<Boolean> done) {
    }

    private static final class Ns {
        final String path;
        final Map<String, Ns> children = new HashMap<>();
        final Map<String, byte[]> items = new HashMap<>();
        final List<Waiter> waiters = new ArrayList<>();
        long bytes;
        long expiresAt;
        boolean ready;

        Ns(String path, long expiresAt) {
            this.path = path;
            this.expiresAt = expiresAt;
        }
    }

    /** One tenant's tree and byte count; every operation on it holds its lock. */
    private static final class Space {
        final Ns root = new Ns("/", Long.MAX_VALUE);
        long bytes;
    }

    private final LongSupplier nanos;
    private final long quotaBytesPerTenant;
    private final int maxValueBytes;
    private final Map<String, Space> spaces = new ConcurrentHashMap<>();

    public EphemeralStore(LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes) {
        this.nanos = nanos;
        this.quotaBytesPerTenant = quotaBytesPerTenant;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public String open(String tenant, String path, Duration lease) {
        List<String> segments = segments(path);
        Space space = space(tenant);
        synchronized (space) {
            long expires = expiry(lease);
            Ns at = space.root;
            for (String segment : segments) {
                Ns child = at.children.get(segment);
                if (child == null || expired(child)) {
                    if (child != null) {
                        drop(space, child);
                    }
                    child = new Ns(join(at.path, segment), expires);
                    at.children.put(segment, child);
                }
                at = child;
            }
            return at.path;
        }
    }

    @Override
    public void put(String tenant, String path, String key, byte[] value) {
        if (value.length > maxValueBytes) {
            throw new SkyfnException(ErrorCode.PAYLOAD_TOO_LARGE, "a value of " + value.length + " bytes is over the limit of " + maxValueBytes);
        }
        Space space = space(tenant);
        synchronized (space) {
            Ns ns = live(space, path);
            byte[] old = ns.items.get(key);
            long delta = size(key, value) - (old == null ? 0 : size(key, old));
            if (delta > 0 && space.bytes + delta > quotaBytesPerTenant) {
                throw new SkyfnException(ErrorCode.QUOTA_EXCEEDED, "tenant " + tenant + " would hold " + (space.bytes + delta)
                        + " bytes of ephemeral data, over its quota of " + quotaBytesPerTenant + " (namespace " + ns.path
                        + " holds " + ns.bytes + ")");
            }
            ns.items.put(key, value.clone());
            ns.bytes += delta;
            space.bytes += delta;
            wake(ns);
        }
    }

    @Override
    public Optional<byte[]> get(String tenant, String path, String key) {
        Space space = space(tenant);
        synchronized (space) {
            byte[] value = live(space, path).items.get(key);
            return Optional.ofNullable(value == null ? null : value.clone());
        }
    }

    @Override
    public boolean delete(String tenant, String path, String key) {
        Space space = space(tenant);
        synchronized (space) {
            Ns ns = live(space, path);
            byte[] old = ns.items.remove(key);
            if (old != null) {
                ns.bytes -= size(key, old);
                space.bytes -= size(key, old);
            }
            return old != null;
        }
    }

    @Override
    public List<String> keys(String tenant, String path) {
        Space space = space(tenant);
        synchronized (space) {
            return List.copyOf(new TreeSet<>(live(space, path).items.keySet()));
        }
    }

    @Override
    public int size(String tenant, String path) {
        Space space = space(tenant);
        synchronized (space) {
            return live(space, path).items.size();
        }
    }

    @Override
    public void renew(String tenant, String path, Duration lease) {
        Space space = space(tenant);
        synchronized (space) {
            live(space, path).expiresAt = expiry(lease);
        }
    }

    @Override
    public void markReady(String tenant, String path) {
        Space space = space(tenant);
        synchronized (space) {
            Ns ns = live(space, path);
            ns.ready = true;
            wake(ns);
        }
    }

    @Override
    public Runnable await(String tenant, String path, int items, Consumer<Boolean> done) {
        Space space = space(tenant);
        Waiter waiter = new Waiter(items, done);
        synchronized (space) {
            Ns ns = live(space, path);
            if (satisfied(ns, waiter)) {
                done.accept(true);
                return () -> { };
            }
            ns.waiters.add(waiter);
            return () -> {
                synchronized (space) {
                    if (ns.waiters.remove(waiter)) {
                        done.accept(false);
                    }
                }
            };
        }
    }

    @Override
    public boolean remove(String tenant, String path) {
        List<String> segments = segments(path);
        Space space = space(tenant);
        synchronized (space) {
            Ns parent = space.root;
            for (int i = 0; i < segments.size() - 1 && parent != null; i++) {
                parent = parent.children.get(segments.get(i));
            }
            Ns ns = parent == null ? null : parent.children.remove(segments.getLast());
            if (ns == null) {
                return false;
            }
            drop(space, ns);
            return true;
        }
    }

    @Override
    public long bytes(String tenant) {
        Space space = spaces.get(tenant);
        if (space == null) {
            return 0;
        }
        synchronized (space) {
            return space.bytes;
        }
    }

    @Override
    public void expire() {
        for (Space space : spaces.values()) {
            synchronized (space) {
                expireUnder(space, space.root);
            }
        }
    }

    private void expireUnder(Space space, Ns ns) {
        for (var it = ns.children.values().iterator(); it.hasNext(); ) {
            Ns child = it.next();
            if (expired(child)) {
                it.remove();
                drop(space, child);
            } else {
                expireUnder(space, child);
            }
        }
    }

    /** Frees a removed subtree: its bytes, and its waiters told false. */
    private void drop(Space space, Ns ns) {
        ns.children.values().forEach(child -> drop(space, child));
        ns.children.clear();
        space.bytes -= ns.bytes;
        ns.bytes = 0;
        ns.items.clear();
        ns.waiters.forEach(w -> w.done().accept(false));
        ns.waiters.clear();
    }

    private void wake(Ns ns) {
        for (var it = ns.waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (satisfied(ns, w)) {
                it.remove();
                w.done().accept(true);
            }
        }
    }

    private static boolean satisfied(Ns ns, Waiter w) {
        return w.items() < 0 ? ns.ready : ns.items.size() >= w.items();
    }

    /** The namespace at the path, if it and every parent are alive. */
    private Ns live(Space space, String path) {
        Ns at = space.root;
        for (String segment : segments(path)) {
            at = at.children.get(segment);
            if (at == null || expired(at)) {
                throw new SkyfnException(ErrorCode.NAMESPACE_NOT_FOUND,
                        "no namespace " + path + " (it expired, was removed, or was never opened)");
            }
        }
        return at;
    }

    private boolean expired(Ns ns) {
        return nanos.getAsLong() - ns.expiresAt >= 0;
    }

    private long expiry(Duration lease) {
        return nanos.getAsLong() + NamespacePaths.checkLease(lease).toNanos();
    }

    private Space space(String tenant) {
        return spaces.computeIfAbsent(tenant, t -> new Space());
    }

    private static List<String> segments(String path) {
        return NamespacePaths.segments(path);
    }

    private static String join(String parent, String segment) {
        return NamespacePaths.join(parent, segment);
    }

    private static long size(String key, byte[] value) {
        return ENTRY_OVERHEAD + 2L * key.length() + value.length;
    }
}
