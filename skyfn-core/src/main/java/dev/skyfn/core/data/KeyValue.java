package dev.skyfn.core.data;

import java.util.Optional;

/**
 * A data layer: keys and byte values, in scopes that never see each other (a scope is
 * {@code tenant/app}). The embedded default keeps them in memory, durable or not; across clouds
 * they live in NATS JetStream KV. Every implementation passes the same conformance tests. A value
 * may be empty: a key holding zero bytes is present, never taken for an absent one.
 *
 * <p>Failures carry stable codes: {@code QUOTA_EXCEEDED} when a tenant's state would outgrow its
 * quota, {@code PAYLOAD_TOO_LARGE} for a value over the limit.
 */
public interface KeyValue {

    Optional<byte[]> get(String scope, String key);

    void put(String scope, String key, byte[] value);

    boolean delete(String scope, String key);

    /** Sets the key to {@code value} (null: remove) if it holds {@code expected} (null: absent). */
    boolean compareAndSet(String scope, String key, byte[] expected, byte[] value);

    /** Removes every key of the scope, as when its app is removed. */
    void clear(String scope);

    /** Bytes a tenant's keys and values take, as counted against its quota. */
    long bytes(String tenant);

    /** The scope of an app's state. */
    static String scope(String tenant, String app) {
        return tenant + "/" + app;
    }
}
