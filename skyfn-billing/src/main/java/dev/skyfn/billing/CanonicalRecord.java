package dev.skyfn.billing;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A usage record's canonical form: compact JSON, ASCII (other characters escaped), its fields in
 * a fixed order, {@code cpuMicros} and {@code blocks} only when measured — what a ledger's leaf holds and what is hashed.
 * Written byte by byte rather than by a mapper, since every call writes one; its tenant and start
 * read back without parsing the rest (the tenant is first, and a JSON string cannot hold the
 * bytes that end it unescaped). The record's id is not written: it is derived from the kind,
 * node, invocation and start, and left out it saves 60–70 bytes of every record to write, hash
 * and keep. Records written before carry it first, {@code {"id":"…","tenant":…}}; they still read
 * back, and {@link #isCanonical} takes them as they are.
 */
final class CanonicalRecord {

    private CanonicalRecord() {
    }

    /** {@code r} as its canonical bytes. */
    static byte[] write(UsageRecord r) {
        return write(r, new Ascii(SIZE)).done();
    }

    /** A record's canonical bytes are about 360–410 bytes: a buffer this large does not grow for one. */
    static final int SIZE = 640;

    /**
     * Writes {@code r}'s canonical bytes into {@code b}, emptied first. The fields every record of
     * one function on one node repeats (tenant to kind, node and cloud, memory) are copied from
     * {@code b}'s {@link Stencil} of them, written once, rather than field by field: a call's
     * record is about 360 bytes in some twenty pieces, and each piece's copy costs about as much
     * as its bytes.
     */
    static Ascii write(UsageRecord r, Ascii b) {
        Stencil s = b.stencil(r);
        b.size = 0;
        b.bytes(s.toInvocation).string(r.invocation()).bytes(s.toStart).number(r.start()).bytes(BILLED_)
                .number(r.billedMs()).bytes(s.toBytesIn).number(r.bytesIn()).bytes(OUT_).number(r.bytesOut()).bytes(EGRESS_)
                .number(r.egressBytes()).bytes(r.cold() ? COLD_TRUE : COLD_FALSE).string(r.outcome());
        if (r.cpuMicros() != null) {
            b.bytes(CPU_).number(r.cpuMicros());
        }
        if (r.blocks() != null) {
            b.bytes(BLOCKS_).number(r.blocks());
        }
        b.bytes(PRICES_).bytes(r.prices().json()).bytes(END_);
        return b;
    }

    /**
     * The canonical bytes between a record's varying fields that depend only on its function, node
     * and kind: from the start to the invocation's value, from after the invocation to the
     * start's, and from after the billed duration to the bytes in's. Most often matched by
     * identity (a node passes the same strings for every call of a function), else by equality.
     */
    private record Stencil(String tenant, String app, String function, UsageRecord.Kind kind, String node, String cloud, int memoryMb,
                           byte[] toInvocation, byte[] toStart, byte[] toBytesIn) {

        static Stencil of(UsageRecord r) {
            return new Stencil(r.tenant(), r.app(), r.function(), r.kind(), r.node(), r.cloud(), r.memoryMb(),
                    new Ascii(128).bytes(TENANT_).string(r.tenant()).bytes(APP_).string(r.app()).bytes(FUNCTION_).string(r.function())
                            .bytes(KIND_).string(r.kind().name()).bytes(INVOCATION_).done(),
                    new Ascii(64).bytes(NODE_).string(r.node()).bytes(CLOUD_).string(r.cloud()).bytes(START_).done(),
                    new Ascii(32).bytes(MEMORY_).number(r.memoryMb()).bytes(IN_).done());
        }

        boolean fits(UsageRecord r) {
            return kind == r.kind() && memoryMb == r.memoryMb() && Objects.equals(function, r.function()) && Objects.equals(app, r.app())
                    && Objects.equals(tenant, r.tenant()) && Objects.equals(node, r.node()) && Objects.equals(cloud, r.cloud());
        }
    }

    private static final byte[] TENANT_ = ascii("{\"tenant\":");
    private static final byte[] APP_ = ascii(",\"app\":");
    private static final byte[] FUNCTION_ = ascii(",\"function\":");
    private static final byte[] KIND_ = ascii(",\"kind\":");
    private static final byte[] INVOCATION_ = ascii(",\"invocation\":");
    private static final byte[] NODE_ = ascii(",\"node\":");
    private static final byte[] CLOUD_ = ascii(",\"cloud\":");
    private static final byte[] START_ = ascii(",\"start\":");
    private static final byte[] BILLED_ = ascii(",\"billedMs\":");
    private static final byte[] MEMORY_ = ascii(",\"memoryMb\":");
    private static final byte[] IN_ = ascii(",\"bytesIn\":");
    private static final byte[] OUT_ = ascii(",\"bytesOut\":");
    private static final byte[] EGRESS_ = ascii(",\"egressBytes\":");
    private static final byte[] COLD_TRUE = ascii(",\"cold\":true,\"outcome\":");
    private static final byte[] COLD_FALSE = ascii(",\"cold\":false,\"outcome\":");
    private static final byte[] CPU_ = ascii(",\"cpuMicros\":");
    private static final byte[] BLOCKS_ = ascii(",\"blocks\":");
    private static final byte[] PRICES_ = ascii(",\"prices\":");
    private static final byte[] END_ = ascii("}");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A growing buffer of ASCII bytes. */
    static final class Ascii {
        private byte[] buf;
        private int size;
        /** The stencils of the functions written last, the most recent first. */
        private final Stencil[] stencils = new Stencil[8];

        Ascii(int capacity) {
            buf = new byte[capacity];
        }

        Ascii bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
            return this;
        }

        Ascii number(long v) {
            if (v < 0) {
                return bytes(ascii(Long.toString(v)));
            }
            int digits = digits(v);
            ensure(digits);
            // two digits a division: a record's start alone has thirteen
            int i = size + digits;
            while (v >= 100) {
                int pair = (int) (v % 100) * 2;
                v /= 100;
                buf[--i] = PAIRS[pair + 1];
                buf[--i] = PAIRS[pair];
            }
            if (v >= 10) {
                buf[--i] = PAIRS[(int) v * 2 + 1];
                buf[--i] = PAIRS[(int) v * 2];
            } else {
                buf[--i] = (byte) ('0' + v);
            }
            size += digits;
            return this;
        }

        /** "00" to "99", each two ASCII digits. */
        private static final byte[] PAIRS = new byte[200];
        /** 10^0 to 10^18. */
        private static final long[] POWERS = new long[19];

        static {
            for (int i = 0; i < 100; i++) {
                PAIRS[2 * i] = (byte) ('0' + i / 10);
                PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
            }
            POWERS[0] = 1;
            for (int i = 1; i < POWERS.length; i++) {
                POWERS[i] = POWERS[i - 1] * 10;
            }
        }

        /**
         * How many decimal digits {@code v} (0 or more) has, counted exactly in integers: from its
         * bits, log10(2) ≈ 1233/4096 gives the count or one less, and one comparison tells which (a
         * count from {@code log10} in doubles is one too many just below 10^15 and above, and would
         * write a leading zero).
         */
        static int digits(long v) {
            if (v == 0) {
                return 1;
            }
            int atLeast = ((64 - Long.numberOfLeadingZeros(v)) * 1233) >>> 12;
            return atLeast + (v >= POWERS[atLeast] ? 1 : 0);
        }

        /** A JSON string: every character outside printable ASCII, {@code "} and {@code \\} escaped. */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the fastest copy of ASCII
        Ascii string(String s) {
            if (s == null) {
                return bytes(ascii("null"));
            }
            int n = s.length();
            boolean plain = true;
            for (int i = 0; i < n && plain; i++) {
                char c = s.charAt(i);
                plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
            }
            ensure(n + 2);
            buf[size++] = '"';
            if (plain) {
                s.getBytes(0, n, buf, size);
                size += n;
            } else {
                for (int i = 0; i < n; i++) {
                    char c = s.charAt(i);
                    if (c == '"' || c == '\\') {
                        ensure(2);
                        buf[size++] = '\\';
                        buf[size++] = (byte) c;
                    } else if (c < 0x20 || c > 0x7e) {
                        bytes(ascii(String.format("\\u%04x", (int) c)));
                    } else {
                        ensure(1);
                        buf[size++] = (byte) c;
                    }
                }
            }
            ensure(1);
            buf[size++] = '"';
            return this;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        /** The stencil of {@code r}'s function, made when none of the last few fits. */
        Stencil stencil(UsageRecord r) {
            Stencil[] s = stencils;
            for (int i = 0; i < s.length && s[i] != null; i++) {
                if (s[i].fits(r)) {
                    Stencil found = s[i];
                    if (i > 0) {
                        System.arraycopy(s, 0, s, 1, i);
                        s[0] = found;
                    }
                    return found;
                }
            }
            System.arraycopy(s, 0, s, 1, s.length - 1);
            s[0] = Stencil.of(r);
            return s[0];
        }

        /** Back to its first capacity, once a long record grew it. */
        void shrink() {
            buf = new byte[SIZE];
            size = 0;
        }

        byte[] done() {
            return java.util.Arrays.copyOf(buf, size);
        }

        /** The buffer; its first {@link #size} bytes are what was written. */
        byte[] array() {
            return buf;
        }

        int size() {
            return size;
        }
    }

    /**
     * The tenant in canonical bytes, first — or right after the id, in records written before it
     * was left out; IllegalArgumentException when it is not there.
     */
    static String tenant(byte[] leaf) {
        int from;
        if (startsWith(leaf, 0, TENANT)) {
            from = TENANT.length;
        } else {
            int at = afterId(leaf);
            if (at < 0 || !startsWith(leaf, at, TENANT_AFTER_ID)) {
                throw new IllegalArgumentException("no tenant first");
            }
            from = at + TENANT_AFTER_ID.length;
        }
        int to = from;
        while (to < leaf.length && leaf[to] != '"') {
            if (leaf[to] == '\\') {
                throw new IllegalArgumentException("a tenant's name has no escapes");
            }
            to++;
        }
        return new String(leaf, from, to - from, StandardCharsets.US_ASCII);
    }

    /**
     * Whether {@code leaf} is {@code r}'s canonical bytes: as written now, or as written before
     * the id was left out — an id, then the rest as now. The id is taken as it was written, not
     * compared with the one derived: an egress record's could be a millisecond off its start.
     */
    static boolean isCanonical(UsageRecord r, byte[] leaf) {
        Ascii now = write(r, new Ascii(SIZE));
        if (java.util.Arrays.equals(now.array(), 0, now.size(), leaf, 0, leaf.length)) {
            return true;
        }
        int at = afterId(leaf);
        if (at < 0 || at + 1 >= leaf.length || leaf[at + 1] != ',') {
            return false;
        }
        int rest = at + 2;
        return leaf.length - rest == now.size() - 1 && java.util.Arrays.equals(now.array(), 1, now.size(), leaf, rest, leaf.length);
    }

    /** The id a record written before ids were left out carries first, as written; null for a record written since. */
    static String writtenId(byte[] leaf) {
        int at = afterId(leaf);
        return at < 0 ? null : new String(leaf, ID.length, at - ID.length, StandardCharsets.US_ASCII);
    }

    /** The start in canonical bytes; IllegalArgumentException when they have none. */
    static long start(byte[] leaf) {
        byte[] field = START_;
        for (int i = 0; i + field.length < leaf.length; i++) {
            if (leaf[i] == ',' && leaf[i + 2] == 's' && java.util.Arrays.equals(leaf, i, i + field.length, field, 0, field.length)) {
                long v = 0;
                int j = i + field.length;
                int digits = 0;
                while (j < leaf.length && leaf[j] >= '0' && leaf[j] <= '9' && digits < 18) {
                    v = v * 10 + (leaf[j++] - '0');
                    digits++;
                }
                if (digits == 0) {
                    throw new IllegalArgumentException("the start is not a number");
                }
                return v;
            }
        }
        throw new IllegalArgumentException("no start");
    }

    private static final byte[] ID = ascii("{\"id\":\"");
    private static final byte[] TENANT = ascii("{\"tenant\":\"");
    private static final byte[] TENANT_AFTER_ID = ascii("\",\"tenant\":\"");

    private static boolean startsWith(byte[] leaf, int at, byte[] prefix) {
        return leaf.length - at >= prefix.length && java.util.Arrays.equals(leaf, at, at + prefix.length, prefix, 0, prefix.length);
    }

    /** Where the id's closing quote is, in a record written with its id first; -1 when the bytes do not start with one. */
    private static int afterId(byte[] leaf) {
        if (!startsWith(leaf, 0, ID)) {
            return -1;
        }
        int at = ID.length;
        while (at < leaf.length && leaf[at] != '"') {
            at += leaf[at] == '\\' ? 2 : 1;
        }
        return at < leaf.length ? at : -1;
    }
}
