package dev.skyfn.core.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable buffer that frames are encoded into. */
final class WireOut {

    private byte[] buf;
    private int size;

    WireOut(int capacity) {
        buf = new byte[capacity];
    }

    void writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    void writeInt(int v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    /** Unsigned LEB128: small numbers, which lengths mostly are, take one byte. */
    void writeVarInt(int v) {
        ensure(5);
        while ((v & ~0x7F) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    /** UTF-8, with its length first; ASCII, as names and ids are, is copied without a byte array made for it. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the fastest copy of ASCII
    void writeString(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                writeBytes(s.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        writeVarInt(n);
        ensure(n);
        s.getBytes(0, n, buf, size);
        size += n;
    }

    void writeBytes(byte[] b) {
        writeVarInt(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    void putInt(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    int size() {
        return size;
    }

    /** Empties the buffer, to encode another frame into it, with room for {@code capacity} bytes at least. */
    void clear(int capacity) {
        size = 0;
        if (buf.length < capacity) {
            buf = new byte[capacity];
        }
    }

    /** The buffer; its first {@link #size} bytes are what was written. */
    byte[] array() {
        return buf;
    }

    byte[] toByteArray() {
        return buf.length == size ? buf : Arrays.copyOf(buf, size);
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
