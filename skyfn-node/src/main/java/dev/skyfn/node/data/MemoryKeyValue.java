package dev.skyfn.node.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.data.KeyValue;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A data layer in memory, with each tenant's bytes counted against a quota. SAND's local data
 * layer, and the memory under the durable one.
 */
public final class MemoryKeyValue implements KeyValue {

    /** What one entry costs besides its key and value: map nodes, array headers. */
    private static final int ENTRY_OVERHEAD = 64;

    private final long quotaBytesPerTenant;
    private final int maxValueBytes;
    private final Map<String, Map<String, byte[]>> scopes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> tenantBytes = new ConcurrentHashMap<>();

    public MemoryKeyValue(long quotaBytesPerTenant, int maxValueBytes) {
        this.quotaBytesPerTenant = quotaBytesPerTenant;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public Optional<byte[]> get(String scope, String key) {
        Map<String, byte[]> entries = scopes.get(scope);
        byte[] value = entries == null ? null : entries.get(key);
        return Optional.ofNullable(value == null ? null : value.clone());
    }

    @Override
    public void put(String scope, String key, byte[] value) {
        checkSize(value);
        byte[] copy = value.clone();
        entries(scope).compute(key, (k, old) -> {
            charge(scope, size(key, copy) - (old == null ? 0 : size(key, old)));
            return copy;
        });
    }

    @Override
    public boolean delete(String scope, String key) {
        Map<String, byte[]> entries = scopes.get(scope);
        if (entries == null) {
            return false;
        }
        byte[] old = entries.remove(key);
        if (old != null) {
            charge(scope, -size(key, old));
        }
        return old != null;
    }

    @Override
    public boolean compareAndSet(String scope, String key, byte[] expected, byte[] value) {
        if (value != null) {
            checkSize(value);
        }
        byte[] copy = value == null ? null : value.clone();
        boolean[] swapped = new boolean[1];
        entries(scope).compute(key, (k, old) -> {
            if (!(old == null ? expected == null : expected != null && Arrays.equals(old, expected))) {
                return old;
            }
            charge(scope, (copy == null ? 0 : size(key, copy)) - (old == null ? 0 : size(key, old)));
            swapped[0] = true;
            return copy;
        });
        return swapped[0];
    }

    @Override
    public void clear(String scope) {
        Map<String, byte[]> entries = scopes.remove(scope);
        if (entries != null) {
            entries.forEach((k, v) -> charge(scope, -size(k, v)));
        }
    }

    @Override
    public long bytes(String tenant) {
        AtomicLong used = tenantBytes.get(tenant);
        return used == null ? 0 : used.get();
    }

    /** Puts an entry read back from disk: it was accepted once, so no quota or size check refuses it now. */
    void restore(String scope, String key, byte[] value) {
        byte[] old = entries(scope).put(key, value);
        tenantBytes.computeIfAbsent(scope.substring(0, scope.indexOf('/')), t -> new AtomicLong())
                .addAndGet(size(key, value) - (old == null ? 0 : size(key, old)));
    }

    /** A copy of one scope's entries, key to value. */
    public Map<String, byte[]> copy(String scope) {
        Map<String, byte[]> entries = scopes.get(scope);
        return entries == null ? Map.of() : Map.copyOf(entries);
    }

    /** Every entry, for writing a snapshot: scope, key, value. */
    void forEach(Entry sink) {
        scopes.forEach((scope, entries) -> entries.forEach((key, value) -> sink.accept(scope, key, value)));
    }

    /** One entry of {@link #forEach}. */
    interface Entry {
        void accept(String scope, String key, byte[] value);
    }

    private Map<String, byte[]> entries(String scope) {
        return scopes.computeIfAbsent(scope, s -> new ConcurrentHashMap<>());
    }

    private void checkSize(byte[] value) {
        if (value.length > maxValueBytes) {
            throw new SkyfnException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "a value of " + value.length + " bytes is over the limit of " + maxValueBytes);
        }
    }

    /** Adds {@code delta} to the scope's tenant, refusing growth past its quota. */
    private void charge(String scope, long delta) {
        String tenant = scope.substring(0, scope.indexOf('/'));
        AtomicLong used = tenantBytes.computeIfAbsent(tenant, t -> new AtomicLong());
        long now = used.addAndGet(delta);
        if (delta > 0 && now > quotaBytesPerTenant) {
            used.addAndGet(-delta);
            throw new SkyfnException(ErrorCode.QUOTA_EXCEEDED, "tenant " + tenant + " would hold " + now
                    + " bytes of state, over its quota of " + quotaBytesPerTenant);
        }
    }

    private static long size(String key, byte[] value) {
        return ENTRY_OVERHEAD + 2L * key.length() + value.length;
    }
}
