package dev.skyfn.node.invoke;

import java.util.concurrent.ThreadLocalRandom;

/** Invocation ids: 12 hex digits of milliseconds, so they sort by time, then 16 random ones. */
public final class Ids {

    private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Ids() {
    }

    /** Written digit by digit: every call gets one. */
    public static String next() {
        byte[] id = new byte[28];
        hex(System.currentTimeMillis(), id, 0, 12);
        hex(ThreadLocalRandom.current().nextLong(), id, 12, 16);
        return new String(id, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The {@code digits} lowest hex digits of {@code v} into {@code into} from {@code at}. */
    private static void hex(long v, byte[] into, int at, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            into[i] = DIGITS[(int) (v & 0xF)];
            v >>>= 4;
        }
    }
}
