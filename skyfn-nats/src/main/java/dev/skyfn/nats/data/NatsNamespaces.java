package dev.skyfn.nats.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.data.NamespacePaths;
import dev.skyfn.core.data.Namespaces;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jiffy's ephemeral namespaces across clouds, in one JetStream bucket: a namespace is an entry
 * {@code <tenant>.<path>.n} holding its lease's end and whether it is ready, an item an entry
 * {@code <tenant>.<path>.i.<key>} (paths and keys in base64url), so that one watch,
 * {@code <tenant>.<path>.>}, sees both. Leases are skyfn's: every
 * operation checks them, and every node's {@link #expire} removes the namespaces past theirs.
 * Waiters are told through watches on the namespace's entries. The clock must be one all nodes
 * share (wall time), and is injected so that leases are tested without waiting. Items' values are
 * sealed with the tenant's key ({@link Sealer}), each bound to its entry's name; a tenant's quota
 * counts them sealed.
 */
public final class NatsNamespaces implements Namespaces {

    public static final String BUCKET = "skyfn-ephemeral";
    private static final Logger LOG = LoggerFactory.getLogger(NatsNamespaces.class);
    private static final int ENTRY_OVERHEAD = 64;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

    private final KeyValue bucket;
    private final LongSupplier nanos;
    private final Quota quota;
    private final int maxValueBytes;
    private final Sealer sealer;
    private final Engine engine;
    /** Entries of expired namespaces that could not be removed, so that each is logged once rather than every round. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();

    NatsNamespaces(Engine engine, KeyValue bucket, LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes, Sealer sealer) {
        this.engine = engine;
        this.bucket = bucket;
        this.sealer = sealer;
        this.nanos = nanos;
        this.quota = new Quota(bucket, quotaBytesPerTenant, "ephemeral data");
        this.maxValueBytes = Math.min(maxValueBytes, NatsKeyValue.MAX_VALUE_BYTES);
    }

    /** The fleet's namespaces; their leases run on the hosts' wall clocks. */
    public static NatsNamespaces open(Engine engine, long quotaBytesPerTenant, int maxValueBytes, Sealer sealer) {
        return new NatsNamespaces(engine, engine.bucket(BUCKET, 1, Duration.ZERO), () -> System.currentTimeMillis() * 1_000_000L,
                quotaBytesPerTenant, maxValueBytes, sealer);
    }

    /** A namespace's entry: when its lease ends, and whether it is ready. */
    private record Meta(long expiresAt, boolean ready) {
        static final int BYTES = 9;

        byte[] bytes() {
            return ByteBuffer.allocate(BYTES).putLong(expiresAt).put((byte) (ready ? 1 : 0)).array();
        }

        static Meta of(byte[] b) {
            if (b.length != BYTES) {
                throw new IllegalStateException("a namespace's entry of " + b.length + " bytes, not " + BYTES);
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            return new Meta(buf.getLong(), buf.get() == 1);
        }
    }

    @Override
    public String open(String tenant, String path, Duration lease) {
        long expires = nanos.getAsLong() + NamespacePaths.checkLease(lease).toNanos();
        List<String> prefixes = NamespacePaths.prefixes(path);
        for (String p : prefixes) {
            Meta m = meta(tenant, p);
            if (!alive(m)) {
                if (m != null) {
                    dropTree(tenant, p);
                }
                putMeta(tenant, p, new Meta(expires, false));
            }
        }
        return prefixes.getLast();
    }

    @Override
    public void put(String tenant, String path, String key, byte[] value) {
        if (value.length > maxValueBytes) {
            throw new SkyfnException(ErrorCode.PAYLOAD_TOO_LARGE, "a value of " + value.length + " bytes is over the limit of " + maxValueBytes);
        }
        live(tenant, path);
        String name = item(tenant, path, key);
        byte[] sealed = sealer.seal(tenant, name, value);
        KeyValueEntry old = Entries.get(bucket, name);
        long delta = size(key, sealed) - (old == null ? 0 : size(key, Entries.value(old)));
        quota.charge(tenant, delta);
        try {
            Js.run("writing to " + path, () -> bucket.put(name, sealed));
        } catch (RuntimeException e) {
            quota.charge(tenant, -delta);
            throw e;
        }
    }

    @Override
    public Optional<byte[]> get(String tenant, String path, String key) {
        live(tenant, path);
        return Optional.ofNullable(Entries.get(bucket, item(tenant, path, key)))
                .map(e -> sealer.open(tenant, e.getKey(), Entries.value(e)));
    }

    @Override
    public boolean delete(String tenant, String path, String key) {
        live(tenant, path);
        return deleteItem(tenant, item(tenant, path, key), key);
    }

    @Override
    public List<String> keys(String tenant, String path) {
        live(tenant, path);
        return itemKeys(tenant, path).stream().map(NatsNamespaces::lastToken).map(NatsNamespaces::decode).sorted().toList();
    }

    @Override
    public int size(String tenant, String path) {
        live(tenant, path);
        return itemKeys(tenant, path).size();
    }

    @Override
    public void renew(String tenant, String path, Duration lease) {
        Meta m = live(tenant, path);
        putMeta(tenant, path, new Meta(nanos.getAsLong() + NamespacePaths.checkLease(lease).toNanos(), m.ready()));
    }

    @Override
    public void markReady(String tenant, String path) {
        Meta m = live(tenant, path);
        putMeta(tenant, path, new Meta(m.expiresAt(), true));
    }

    /**
     * {@inheritDoc}
     *
     * <p>A watch on the namespace's keys only signals a change; one virtual thread checks, and
     * ends the watch once told. The watch's callback runs on the NATS client's dispatcher thread,
     * which closing the watch interrupts: a check made there (reads, a listing that is itself a
     * consumer) would be cut off half-way, and a listing cut off leaves its consumer delivering to
     * a subscription gone, which can drop the node's whole connection. The thread also checks
     * every second unsignalled: a namespace removed leaves no marker (its purge marker is purged
     * from the stream at once, see {@code Engine.forget}), which the watch may never be delivered,
     * and a check that could not reach JetStream must be tried again.
     */
    @Override
    public Runnable await(String tenant, String path, int items, Consumer<Boolean> done) {
        live(tenant, path);
        var told = new AtomicBoolean();
        var changed = new Semaphore(0);
        Consumer<Boolean> tell = ok -> {
            if (told.compareAndSet(false, true)) {
                done.accept(ok);
            }
            changed.release();
        };
        String watched = items < 0 ? metaKey(tenant, path) : tenant + "." + encode(path) + ".>";
        NatsKeyValueWatchSubscription watch = Js.call("watching " + path, () -> bucket.watch(watched, new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                changed.release();
            }

            @Override
            public void endOfData() {
            }
        }, KeyValueWatchOption.UPDATES_ONLY));
        Thread.ofVirtual().name("await " + path).start(() -> {
            try {
                while (!told.get()) {
                    check(tenant, path, items, tell);
                    changed.tryAcquire(1, TimeUnit.SECONDS);
                    changed.drainPermits();
                }
            } catch (InterruptedException e) {
                tell.accept(false);
            } finally {
                try {
                    watch.unsubscribe();
                } catch (IllegalStateException closed) {
                    // the node's connection went first, and the watch with it
                }
            }
        });
        return () -> tell.accept(false);
    }

    /** Tells false when the namespace is gone, true when it holds what is awaited, nothing while neither or when JetStream could not say. */
    private void check(String tenant, String path, int items, Consumer<Boolean> tell) {
        try {
            Meta m = meta(tenant, path);
            if (m == null) {
                tell.accept(false);
            } else if (alive(m) && (items < 0 ? m.ready() : itemKeys(tenant, path).size() >= items)) {
                tell.accept(true);
            }
        } catch (SkyfnException unreachable) {
            LOG.debug("awaiting {} of {}: {}", path, tenant, unreachable.getMessage());
        }
    }

    @Override
    public boolean remove(String tenant, String path) {
        NamespacePaths.segments(path);
        if (meta(tenant, path) == null) {
            return false;
        }
        dropTree(tenant, path);
        return true;
    }

    @Override
    public long bytes(String tenant) {
        return quota.used(tenant);
    }

    /**
     * Removes each namespace whose lease, or a parent's, has run out, or whose parent is gone, each
     * on its own: one that cannot be removed is logged (once, until it can) and tried again next
     * time, and does not keep the others.
     */
    @Override
    public void expire() {
        // every second on every node: one request, not a consumer created and read each time (a removed namespace has no meta)
        List<String> names = engine.keysWithHistory(bucket, "*.*.n");
        Set<String> aliveThisRound = new HashSet<>();
        for (String name : names) {
            String tenant = name.substring(0, name.indexOf('.'));
            try {
                String path = pathOf(name);
                Meta m = meta(tenant, path);
                if (m != null && !(alive(m) && parentsAlive(tenant, path, aliveThisRound))) {
                    drop(tenant, path);
                }
                failing.remove(name);
            } catch (RuntimeException e) {
                if (failing.add(name)) {
                    LOG.warn("cannot remove the expired namespace {} of tenant {}; trying again each round", describe(name), tenant, e);
                } else {
                    LOG.debug("still cannot remove the expired namespace {} of tenant {}: {}", describe(name), tenant, e.toString());
                }
            }
        }
        failing.retainAll(names);
    }

    /**
     * Whether every parent of the namespace is there with a lease that has not run out. A parent
     * seen alive is not read again this round; one seen dead is, as it may have been opened again since.
     */
    private boolean parentsAlive(String tenant, String path, Set<String> aliveThisRound) {
        List<String> prefixes = NamespacePaths.prefixes(path);
        for (String p : prefixes.subList(0, prefixes.size() - 1)) {
            String key = metaKey(tenant, p);
            if (!aliveThisRound.contains(key)) {
                if (!alive(meta(tenant, p))) {
                    return false;
                }
                aliveThisRound.add(key);
            }
        }
        return true;
    }

    /** The namespace of an entry's name, as a person reads it, or the name itself when it is not one skyfn wrote. */
    private static String describe(String name) {
        try {
            return pathOf(name);
        } catch (RuntimeException e) {
            return "entry " + name;
        }
    }

    /** The namespace at the path, if it and every parent are alive. */
    private Meta live(String tenant, String path) {
        Meta m = null;
        for (String p : NamespacePaths.prefixes(path)) {
            m = meta(tenant, p);
            if (!alive(m)) {
                throw new SkyfnException(ErrorCode.NAMESPACE_NOT_FOUND,
                        "no namespace " + path + " (it expired, was removed, or was never opened)");
            }
        }
        return m;
    }

    /** Removes a namespace and those under it, each on its own (what a failure leaves, {@link #expire} finds). */
    private void dropTree(String tenant, String path) {
        eachOnItsOwn(Js.call("listing namespaces", () -> bucket.keys(tenant + ".*.n")), name -> {
            String p = pathOf(name);
            if (p.equals(path) || p.startsWith(path + "/")) {
                drop(tenant, p);
            }
        });
    }

    /**
     * Removes one namespace: its items, each on its own, then, once they are gone, its entry; only
     * the node whose delete lands gives the bytes back.
     */
    private void drop(String tenant, String path) {
        eachOnItsOwn(itemKeys(tenant, path), name -> deleteItem(tenant, name, decode(lastToken(name))));
        // no marker left: the expiry lists every namespace key each second, and would read a marker for ever
        engine.forget(bucket, metaKey(tenant, path));
    }

    /** Runs {@code action} on every one of {@code all}, whatever fails; then throws the first failure, the others suppressed. */
    private static void eachOnItsOwn(List<String> all, Consumer<String> action) {
        RuntimeException failed = null;
        for (String one : all) {
            try {
                action.accept(one);
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private boolean deleteItem(String tenant, String name, String key) {
        while (true) {
            KeyValueEntry old = Entries.get(bucket, name);
            if (old == null) {
                return false;
            }
            if (Js.compareAndSet("deleting from a namespace", () -> bucket.delete(name, old.getRevision()))) {
                quota.charge(tenant, -size(key, Entries.value(old)));
                return true;
            }
        }
    }

    private List<String> itemKeys(String tenant, String path) {
        return Js.call("listing " + path, () -> new ArrayList<>(bucket.keys(itemsFilter(tenant, path))));
    }

    private Meta meta(String tenant, String path) {
        KeyValueEntry e = Entries.get(bucket, metaKey(tenant, path));
        return e == null ? null : Meta.of(Entries.value(e));
    }

    private void putMeta(String tenant, String path, Meta m) {
        Js.run("writing " + path, () -> bucket.put(metaKey(tenant, path), m.bytes()));
    }

    private boolean alive(Meta m) {
        return m != null && nanos.getAsLong() - m.expiresAt() < 0;
    }

    private static String metaKey(String tenant, String path) {
        return tenant + "." + encode(path) + ".n";
    }

    private static String item(String tenant, String path, String key) {
        return tenant + "." + encode(path) + ".i." + encode(key);
    }

    private static String itemsFilter(String tenant, String path) {
        return tenant + "." + encode(path) + ".i.>";
    }

    /** The path of a namespace's entry. */
    private static String pathOf(String metaKey) {
        return decode(metaKey.split("\\.")[1]);
    }

    private static String encode(String text) {
        return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String lastToken(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static String decode(String token) {
        return new String(UNB64.decode(token), StandardCharsets.UTF_8);
    }

    private static long size(String key, byte[] value) {
        return ENTRY_OVERHEAD + 2L * key.length() + value.length;
    }
}
