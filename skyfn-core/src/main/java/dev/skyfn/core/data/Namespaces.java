package dev.skyfn.core.data;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Jiffy's ephemeral state: per tenant, a tree of namespaces ({@code /job-42/map}) holding keys and
 * values, each alive until its lease runs out (children go with their parent), each tenant's bytes
 * counted against a quota, and waiters told when a namespace is marked ready or holds enough
 * items (an empty value is an item like any other). The embedded default keeps them in a node's
 * memory; across clouds they live in JetStream KV. Every implementation passes the same
 * conformance tests.
 *
 * <p>Failures carry stable codes: {@code NAMESPACE_NOT_FOUND} for a namespace (or a parent) that
 * expired, was removed or never opened; {@code INVALID_INPUT} for a malformed path or lease;
 * {@code QUOTA_EXCEEDED}; {@code PAYLOAD_TOO_LARGE}.
 */
public interface Namespaces {

    Duration DEFAULT_LEASE = Duration.ofMinutes(1);
    Duration MAX_LEASE = Duration.ofHours(24);

    /** Creates the namespace and any missing parents, with {@code lease}; returns its normalised path. */
    String open(String tenant, String path, Duration lease);

    void put(String tenant, String path, String key, byte[] value);

    Optional<byte[]> get(String tenant, String path, String key);

    boolean delete(String tenant, String path, String key);

    /** The namespace's keys, sorted. */
    List<String> keys(String tenant, String path);

    int size(String tenant, String path);

    void renew(String tenant, String path, Duration lease);

    void markReady(String tenant, String path);

    /**
     * Tells {@code done} true once the namespace is ready ({@code items} &lt; 0) or holds
     * {@code items}, at once if it does now, or false if it goes first; returns a handle that gives
     * up waiting, telling false. {@code done} is told once.
     */
    Runnable await(String tenant, String path, int items, Consumer<Boolean> done);

    /** Removes the namespace, its data and children; false when it was not there. */
    boolean remove(String tenant, String path);

    /** Bytes a tenant's ephemeral data takes, as counted against its quota. */
    long bytes(String tenant);

    /**
     * Removes every namespace whose lease has run out, with its children; run every second or so.
     * Each namespace goes on its own: one that cannot be removed now is left for the next run and
     * keeps none of the others.
     */
    void expire();
}
