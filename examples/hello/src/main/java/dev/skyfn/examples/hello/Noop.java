package dev.skyfn.examples.hello;

import java.util.function.Function;

/** Does nothing, as fast as it can: what the benchmarks measure the platform with. A plain Function works too. */
public class Noop implements Function<byte[], byte[]> {

    @Override
    public byte[] apply(byte[] input) {
        return input;
    }
}
