package dev.skyfn.nats.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.KeyValue;
import io.nats.client.ObjectStore;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * SAND's global data layer across clouds: apps' state in one JetStream bucket every node reaches.
 * An entry is {@code <tenant>.<app>.<key in base64url>}; a value larger than fits a message well
 * goes to the object store, the entry then naming it with its size and digest (compare-and-set
 * compares digests). Each tenant's bytes are counted by a {@link Quota} in the same bucket.
 * Entries and large values are sealed with the tenant's key ({@link Sealer}), each bound to its
 * name; keys' names are not sealed.
 */
public final class NatsKeyValue implements dev.skyfn.core.data.KeyValue {

    public static final String BUCKET = "skyfn-state";
    public static final String VALUES = "skyfn-values";
    /** What an entry costs beyond its key and value, as in the embedded layers. */
    private static final int ENTRY_OVERHEAD = 64;
    /** A NATS message must hold the largest value kept in the bucket itself, with its headers. */
    public static final int MAX_VALUE_BYTES = (8 << 20) - 4096;
    /** Values up to this size live in the bucket; larger ones in the object store. */
    static final int INLINE_BYTES = 512 << 10;
    private static final Base64.Encoder KEY = Base64.getUrlEncoder().withoutPadding();

    private final KeyValue bucket;
    private final LargeValues large;
    private final Quota quota;
    private final int maxValueBytes;
    private final int inlineBytes;
    private final Sealer sealer;
    /** Where a write waits for its copy in the state mirror before it is acknowledged. */
    private final Engine engine;
    private final String valuesStream;

    NatsKeyValue(Engine engine, KeyValue bucket, ObjectStore values, long quotaBytesPerTenant, int maxValueBytes, int inlineBytes,
                 Sealer sealer) {
        this.engine = engine;
        this.valuesStream = Js.call("reading the values' store", () -> "OBJ_" + values.getStatus().getBucketName());
        this.bucket = bucket;
        this.sealer = sealer;
        this.large = new LargeValues(values, sealer);
        this.quota = new Quota(bucket, quotaBytesPerTenant, "state");
        this.maxValueBytes = maxValueBytes;
        this.inlineBytes = Math.min(inlineBytes, MAX_VALUE_BYTES);
    }

    /** The fleet's global data layer, its values sealed by {@code sealer}. */
    public static NatsKeyValue open(Engine engine, long quotaBytesPerTenant, int maxValueBytes, Sealer sealer) {
        return new NatsKeyValue(engine, engine.bucket(BUCKET, 1, Duration.ZERO), engine.objectStore(VALUES), quotaBytesPerTenant,
                maxValueBytes, INLINE_BYTES, sealer);
    }

    @Override
    public Optional<byte[]> get(String scope, String key) {
        return Optional.ofNullable(stored(name(scope, key))).map(large::read);
    }

    @Override
    public void put(String scope, String key, byte[] value) {
        checkSize(value);
        String name = name(scope, key);
        Stored old = stored(name);
        long delta = size(key, value.length) - (old == null ? 0 : size(key, old.size()));
        charge(tenant(scope), delta);
        Stored next = store(scope, value);
        try {
            long revision = Js.call("writing state", () -> bucket.put(name, seal(name, next)));
            copied(next, revision);
        } catch (RuntimeException e) {
            charge(tenant(scope), -delta);
            large.forget(next);
            throw e;
        }
        large.forget(old);
    }

    /**
     * Waits for a write's copy in the state mirror, if there is one: a value held in the values'
     * store first, then the entry at {@code revision} (0: whatever the bucket holds now).
     */
    private void copied(Stored value, long revision) {
        if (value != null && value.isObject()) {
            engine.awaitCopied(valuesStream);
        }
        String stream = "KV_" + bucket.getBucketName();
        if (revision > 0) {
            engine.awaitCopied(stream, revision);
        } else {
            engine.awaitCopied(stream);
        }
    }

    @Override
    public boolean delete(String scope, String key) {
        String name = name(scope, key);
        while (true) {
            KeyValueEntry entry = entry(name);
            if (entry == null) {
                return false;
            }
            Stored old = open(entry);
            if (Js.compareAndSet("deleting state", () -> bucket.delete(name, entry.getRevision()))) {
                charge(tenant(scope), -size(key, old.size()));
                copied(null, 0);
                large.forget(old);
                return true;
            }
        }
    }

    @Override
    public boolean compareAndSet(String scope, String key, byte[] expected, byte[] value) {
        if (value != null) {
            checkSize(value);
        }
        String name = name(scope, key);
        KeyValueEntry entry = entry(name);
        Stored current = entry == null ? null : open(entry);
        if (current == null ? expected != null : !current.holds(expected)) {
            return false;
        }
        long delta = (value == null ? 0 : size(key, value.length)) - (current == null ? 0 : size(key, current.size()));
        charge(tenant(scope), delta);
        Stored next = value == null ? null : store(scope, value);
        boolean written = value == null ? Js.compareAndSet("deleting state", () -> bucket.delete(name, entry.getRevision()))
                : Js.write(bucket, name, seal(name, next), entry == null ? 0 : entry.getRevision());
        if (!written) {
            charge(tenant(scope), -delta);
            large.forget(next);
            return false;
        }
        copied(next, 0);
        large.forget(current);
        return true;
    }

    @Override
    public void clear(String scope) {
        String prefix = prefix(scope);
        for (String name : Js.call("listing state", () -> bucket.keys(prefix + ">"))) {
            Stored old = stored(name);
            Js.run("clearing state", () -> bucket.purge(name));
            if (old != null) {
                String key = new String(Base64.getUrlDecoder().decode(name.substring(prefix.length())), StandardCharsets.UTF_8);
                charge(tenant(scope), -size(key, old.size()));
                large.forget(old);
            }
        }
    }

    @Override
    public long bytes(String tenant) {
        return quota.used(tenant);
    }

    /** A value as its entry will hold it: itself, or a reference to a new object holding it. */
    private Stored store(String scope, byte[] value) {
        return value.length <= inlineBytes ? Stored.inline(value) : large.write(tenant(scope), value);
    }

    private void charge(String tenant, long delta) {
        quota.charge(tenant, delta);
    }

    private KeyValueEntry entry(String name) {
        return Entries.get(bucket, name);
    }

    private Stored stored(String name) {
        KeyValueEntry e = entry(name);
        return e == null ? null : open(e);
    }

    private byte[] seal(String name, Stored stored) {
        return sealer.seal(tenant(name), name, stored.bytes());
    }

    private Stored open(KeyValueEntry e) {
        return Stored.of(sealer.open(tenant(e.getKey()), e.getKey(), Entries.value(e)));
    }

    private void checkSize(byte[] value) {
        if (value.length > maxValueBytes) {
            throw new SkyfnException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "a value of " + value.length + " bytes is over the limit of " + maxValueBytes);
        }
    }

    private static String name(String scope, String key) {
        return prefix(scope) + KEY.encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String prefix(String scope) {
        return scope.replace('/', '.') + ".";
    }

    /** The tenant of a scope ({@code tenant/app}) or of an entry's name ({@code tenant.app.key}). */
    private static String tenant(String scopeOrName) {
        int end = 0;
        while (scopeOrName.charAt(end) != '/' && scopeOrName.charAt(end) != '.') {
            end++;
        }
        return scopeOrName.substring(0, end);
    }

    private static long size(String key, long valueBytes) {
        return ENTRY_OVERHEAD + 2L * key.length() + valueBytes;
    }
}
