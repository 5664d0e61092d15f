package dev.skyfn.nats.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * SAND's global data layer across clouds: apps' state in one JetStream bucket every node reaches.
 * An entry is {@code <tenant>.<app>.<key in base64url>}; each tenant's bytes are counted by a
 * {@link Quota} in the same bucket.
 */
public final class NatsKeyValue implements dev.skyfn.core.data.KeyValue {

    public static final String BUCKET = "skyfn-state";
    /** What an entry costs beyond its key and value, as in the embedded layers. */
    private static final int ENTRY_OVERHEAD = 64;
    /** A NATS message must hold the largest value with its headers. */
    public static final int MAX_VALUE_BYTES = (8 << 20) - 4096;
    private static final Base64.Encoder KEY = Base64.getUrlEncoder().withoutPadding();

    private final KeyValue bucket;
    private final Quota quota;
    private final int maxValueBytes;

    NatsKeyValue(KeyValue bucket, long quotaBytesPerTenant, int maxValueBytes) {
        this.bucket = bucket;
        this.quota = new Quota(bucket, quotaBytesPerTenant, "state");
        this.maxValueBytes = Math.min(maxValueBytes, MAX_VALUE_BYTES);
    }

    public static NatsKeyValue open(Engine engine, long quotaBytesPerTenant, int maxValueBytes) {
        return new NatsKeyValue(engine.bucket(BUCKET, 1, Duration.ZERO), quotaBytesPerTenant, maxValueBytes);
    }

    @Override
    public Optional<byte[]> get(String scope, String key) {
        return Optional.ofNullable(entry(name(scope, key))).map(KeyValueEntry::getValue);
    }

    @Override
    public void put(String scope, String key, byte[] value) {
        checkSize(value);
        String name = name(scope, key);
        KeyValueEntry old = entry(name);
        long delta = size(key, value) - (old == null ? 0 : size(key, old.getValue()));
        charge(tenant(scope), delta);
        try {
            Js.run("writing state", () -> bucket.put(name, value));
        } catch (RuntimeException e) {
            charge(tenant(scope), -delta);
            throw e;
        }
    }

    @Override
    public boolean delete(String scope, String key) {
        String name = name(scope, key);
        while (true) {
            KeyValueEntry old = entry(name);
            if (old == null) {
                return false;
            }
            if (write(() -> bucket.delete(name, old.getRevision()))) {
                charge(tenant(scope), -size(key, old.getValue()));
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
        KeyValueEntry old = entry(name);
        byte[] current = old == null ? null : old.getValue();
        if (!Arrays.equals(current, expected)) {
            return false;
        }
        long delta = (value == null ? 0 : size(key, value)) - (current == null ? 0 : size(key, current));
        charge(tenant(scope), delta);
        boolean written;
        if (value == null) {
            written = write(() -> bucket.delete(name, old.getRevision()));
        } else if (old == null) {
            written = write(() -> bucket.create(name, value));
        } else {
            written = write(() -> bucket.update(name, value, old.getRevision()));
        }
        if (!written) {
            charge(tenant(scope), -delta);
        }
        return written;
    }

    @Override
    public void clear(String scope) {
        String prefix = prefix(scope);
        for (String name : Js.call("listing state", () -> bucket.keys(prefix + ">"))) {
            KeyValueEntry old = entry(name);
            Js.run("clearing state", () -> bucket.purge(name));
            if (old != null) {
                String key = new String(Base64.getUrlDecoder().decode(name.substring(prefix.length())), StandardCharsets.UTF_8);
                charge(tenant(scope), -size(key, old.getValue()));
            }
        }
    }

    @Override
    public long bytes(String tenant) {
        return quota.used(tenant);
    }

    private void charge(String tenant, long delta) {
        quota.charge(tenant, delta);
    }

    private static boolean write(Js.Action write) {
        return Quota.write(write);
    }

    private KeyValueEntry entry(String name) {
        return Quota.entry(bucket, name);
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

    private static String tenant(String scope) {
        return scope.substring(0, scope.indexOf('/'));
    }

    private static long size(String key, byte[] value) {
        return ENTRY_OVERHEAD + 2L * key.length() + value.length;
    }
}
