package dev.skyfn.examples.sketches;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Cormode and Muthukrishnan's Count-Min sketch (2005): {@code depth} rows of {@code width}
 * counters; an item adds one to a counter in each row, chosen by that row's hash, and its count
 * is estimated by the smallest of its counters — never below the true count, above it by at most
 * e/width of all items with probability 1 − e^−depth. Two sketches of one shape merge by adding.
 */
final class CountMinSketch {

    private final int depth;
    private final int width;
    private final long[] counters;
    private long total;

    CountMinSketch(int depth, int width) {
        this.depth = depth;
        this.width = width;
        this.counters = new long[depth * width];
    }

    void add(String item, long count) {
        long h = hash(item);
        for (int row = 0; row < depth; row++) {
            counters[row * width + column(h, row)] += count;
        }
        total += count;
    }

    long estimate(String item) {
        long h = hash(item);
        long min = Long.MAX_VALUE;
        for (int row = 0; row < depth; row++) {
            min = Math.min(min, counters[row * width + column(h, row)]);
        }
        return min;
    }

    long total() {
        return total;
    }

    /** Row {@code row}'s column for an item of hash {@code h}: Kirsch and Mitzenmacher's double hashing. */
    private int column(long h, int row) {
        int h1 = (int) h;
        int h2 = (int) (h >>> 32);
        return Math.floorMod(h1 + row * h2, width);
    }

    /** 64-bit FNV-1a of the item's UTF-8 bytes, mixed by the SplitMix64 finaliser. */
    private static long hash(String item) {
        long h = 0xcbf29ce484222325L;
        for (byte b : item.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate(16 + counters.length * 8).putInt(depth).putInt(width).putLong(total);
        for (long c : counters) {
            out.putLong(c);
        }
        return out.array();
    }

    static CountMinSketch fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CountMinSketch s = new CountMinSketch(in.getInt(), in.getInt());
        s.total = in.getLong();
        for (int i = 0; i < s.counters.length; i++) {
            s.counters[i] = in.getLong();
        }
        return s;
    }
}
