package dev.skyfn.api;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Key-value state of an app, in one of its {@link State} layers. Keys are the app's own: another
 * app, or another tenant, never sees them. Values are bytes; {@link #getString} and
 * {@link #putString} read and write UTF-8 text. A value may be empty: a key holding zero bytes is
 * present ({@code get} answers an empty array), not absent.
 */
public interface Store {

    Optional<byte[]> get(String key);

    /** @throws DataException {@code QUOTA_EXCEEDED} when the tenant's state would outgrow its quota */
    void put(String key, byte[] value);

    /** Removes the key; false when it was not there. */
    boolean delete(String key);

    /**
     * Sets {@code key} to {@code value} only if it holds {@code expected} now; {@code expected}
     * null means "absent", {@code value} null means "remove". True when it did.
     */
    boolean compareAndSet(String key, byte[] expected, byte[] value);

    default Optional<String> getString(String key) {
        return get(key).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    default void putString(String key, String value) {
        put(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
