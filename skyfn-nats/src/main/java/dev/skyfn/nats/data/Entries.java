package dev.skyfn.nats.data;

import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;

/**
 * Reading a bucket's entries. A key holding an empty value and a key deleted or purged are told
 * apart by the entry's operation, never by its value: jnats gives {@code null} for an empty value
 * (a PUT with no bytes), and a delete or purge marker is also a message without bytes.
 */
final class Entries {

    private static final byte[] EMPTY = {};

    private Entries() {
    }

    /** The entry holding a value now, or null when the key is absent, deleted or purged. */
    static KeyValueEntry get(KeyValue bucket, String name) {
        KeyValueEntry e = Js.call("reading " + name, () -> bucket.get(name));
        return e == null || e.getOperation() != KeyValueOperation.PUT ? null : e;
    }

    /** The value a PUT entry holds, empty rather than null when it has no bytes. */
    static byte[] value(KeyValueEntry e) {
        byte[] value = e.getValue();
        return value == null ? EMPTY : value;
    }
}
