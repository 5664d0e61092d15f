package dev.skyfn.node.invoke;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Invocation ids: 12 hex digits of milliseconds, so they sort by time, then 16 random ones. */
public final class Ids {

    private static final HexFormat HEX = HexFormat.of();

    private Ids() {
    }

    public static String next() {
        return HEX.toHexDigits(System.currentTimeMillis()).substring(4) + HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
    }
}
