package dev.skyfn.node.cluster;

import dev.skyfn.core.cloud.Topology;
import java.util.concurrent.locks.LockSupport;

/**
 * The wide-area network of a topology emulated on one machine: each message between clouds, or
 * between users and a cloud, waits half the round trip the topology's latency matrix gives. Off,
 * it adds nothing: real clouds bring their own latency.
 */
final class Wan {

    private final Topology topology;
    private final boolean emulated;

    Wan(Topology topology, boolean emulated) {
        this.topology = topology;
        this.emulated = emulated;
    }

    boolean emulated() {
        return emulated;
    }

    /** One way from cloud {@code from} to cloud {@code to}. */
    void betweenClouds(String from, String to) {
        if (emulated) {
            pause(topology.latencyBetween(from, to) / 2);
        }
    }

    /** One way between users in {@code region} and {@code cloud}. */
    void fromUsers(String region, String cloud) {
        if (emulated) {
            pause(topology.latency(region, cloud) / 2);
        }
    }

    private static void pause(double ms) {
        long nanos = (long) (ms * 1_000_000);
        long end = System.nanoTime() + nanos;
        // parkNanos may return early; a virtual thread parks without holding a carrier
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
