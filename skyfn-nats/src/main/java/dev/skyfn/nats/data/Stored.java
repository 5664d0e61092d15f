package dev.skyfn.nats.data;

import dev.skyfn.core.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A state entry's bytes: a tag, then the value itself, or a reference to the object holding a
 * large one (its name, size and SHA-256), so that comparing with an expected value needs no fetch.
 */
record Stored(byte[] inline, String object, long size, byte[] sha256) {

    private static final byte INLINE = 0;
    private static final byte OBJECT = 1;

    static Stored inline(byte[] value) {
        return new Stored(value, null, value.length, null);
    }

    static Stored object(String name, byte[] value) {
        return new Stored(null, name, value.length, digest(value));
    }

    boolean isObject() {
        return object != null;
    }

    /** Whether the value is {@code expected}, byte for byte. */
    boolean holds(byte[] expected) {
        if (expected == null) {
            return false;
        }
        return isObject() ? expected.length == size && MessageDigest.isEqual(digest(expected), sha256) : Arrays.equals(inline, expected);
    }

    byte[] bytes() {
        if (!isObject()) {
            return ByteBuffer.allocate(1 + inline.length).put(INLINE).put(inline).array();
        }
        byte[] name = object.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + 32 + name.length).put(OBJECT).putLong(size).put(sha256).put(name).array();
    }

    static Stored of(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.get() == INLINE) {
            return inline(Arrays.copyOfRange(bytes, 1, bytes.length));
        }
        long size = b.getLong();
        byte[] sha = new byte[32];
        b.get(sha);
        byte[] name = new byte[b.remaining()];
        b.get(name);
        return new Stored(null, new String(name, StandardCharsets.UTF_8), size, sha);
    }

    private static byte[] digest(byte[] value) {
        return Sha256.of(value);
    }
}
