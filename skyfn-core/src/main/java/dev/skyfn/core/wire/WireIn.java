package dev.skyfn.core.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads one frame's fields; every read is bounds-checked because the peer may be hostile. */
final class WireIn {

    private final byte[] buf;
    private int pos;
    private final int limit;

    WireIn(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    int readByte() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    int readInt() {
        need(4);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    long readLong() {
        return ((long) readInt() << 32) | (readInt() & 0xFFFFFFFFL);
    }

    int readVarInt() {
        int v = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            int b = readByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0) {
                    break;
                }
                return v;
            }
        }
        throw new ProtocolException("malformed length");
    }

    String readString() {
        int n = readVarInt();
        need(n);
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    byte[] readBytes() {
        int n = readVarInt();
        need(n);
        byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    int count(int max) {
        int n = readVarInt();
        if (n > max || n > limit - pos) {
            throw new ProtocolException("count " + n + " out of range");
        }
        return n;
    }

    void end() {
        if (pos != limit) {
            throw new ProtocolException((limit - pos) + " unread bytes at the end of a frame");
        }
    }

    private void need(int n) {
        if (n < 0 || limit - pos < n) {
            throw new ProtocolException("frame ends early");
        }
    }
}
