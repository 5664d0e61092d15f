package dev.skyfn.billing;

import java.util.Arrays;

/** A growable array of longs: a ledger's offsets and its index of tenants' entries, without boxing a million of them. */
final class Longs {
    private long[] values = new long[16];
    private int size;

    void add(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    long get(long i) {
        return values[Math.toIntExact(i)];
    }

    long last() {
        return values[size - 1];
    }

    /** A copy of the values {@code [from, to)}. */
    long[] range(long from, long to) {
        return Arrays.copyOfRange(values, Math.toIntExact(from), Math.toIntExact(to));
    }

    int size() {
        return size;
    }
}
