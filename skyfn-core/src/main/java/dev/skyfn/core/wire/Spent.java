package dev.skyfn.core.wire;

/**
 * What a call spent in its sandbox, as the sandbox measured it; the node writes it into the call's
 * usage record.
 *
 * @param cpuNanos the CPU time of the call's thread on its carrier threads (ns); -1 when the
 *                 sandbox could not measure it
 * @param blocks   the basic blocks of the app's own code the call executed; -1 when its app does
 *                 not count them ({@code metering: useful-work})
 */
public record Spent(long cpuNanos, long blocks) {

    /** Nothing measured. */
    public static final Spent UNKNOWN = new Spent(-1, -1);

    /** The CPU time in whole microseconds, rounded up; null when not measured. */
    public Long cpuMicros() {
        return cpuNanos < 0 ? null : (cpuNanos + 999) / 1000;
    }

    /** The basic blocks; null when not counted. */
    public Long blocksCounted() {
        return blocks < 0 ? null : blocks;
    }
}
