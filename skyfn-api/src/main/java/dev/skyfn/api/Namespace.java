package dev.skyfn.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Ephemeral state in the manner of Jiffy: a namespace in a hierarchy ({@code /job-42/map/part-3}),
 * shared by the tenant's functions, holding keys and byte values only as long as its lease. A
 * namespace expires unless renewed, and its children go with it. Functions can wait until a
 * namespace is marked ready or holds a number of items, which is how a map step tells a reduce
 * step its data is there. A value may be empty: a key holding zero bytes is present and counts
 * as an item, like any other.
 *
 * <p>Operations fail with {@link DataException}: {@code NAMESPACE_NOT_FOUND} once the namespace
 * expired or was removed, {@code QUOTA_EXCEEDED} when the tenant's ephemeral data would outgrow its
 * quota.
 */
public interface Namespace {

    /** The namespace's path, normalised: {@code /a/b}. */
    String path();

    /** A child namespace, {@code path()/name}, created if absent with this one's lease. */
    Namespace child(String name);

    void put(String key, byte[] value);

    Optional<byte[]> get(String key);

    boolean delete(String key);

    /** The keys it holds, sorted. */
    List<String> keys();

    /** How many items it holds. */
    int size();

    /** Extends the lease: the namespace lives {@code lease} from now (never beyond its parent). */
    void renew(Duration lease);

    /** Marks the namespace ready, waking whoever waits for it. */
    void markReady();

    /** Waits until the namespace is marked ready; false when {@code timeout} passes first. */
    boolean awaitReady(Duration timeout);

    /** Waits until the namespace holds at least {@code items}; false when {@code timeout} passes first. */
    boolean awaitItems(int items, Duration timeout);

    /** Removes the namespace, its data and its children. */
    void remove();

    default void putString(String key, String value) {
        put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    default Optional<String> getString(String key) {
        return get(key).map(b -> new String(b, StandardCharsets.UTF_8));
    }
}
