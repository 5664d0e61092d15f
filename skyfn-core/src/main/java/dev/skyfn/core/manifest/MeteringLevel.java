package dev.skyfn.core.manifest;

/**
 * What an app's calls are metered by (manifest field {@code metering}). Every call is metered by
 * its billed time and memory; {@code useful-work} also counts the basic blocks of the app's own
 * code each call executed (HCloud's proof of useful work: a tenant pays for the work its code did,
 * not for time blocked on a slow cloud), at some cost in speed.
 */
public enum MeteringLevel {
    /** Billed time, memory and bytes (the default). */
    CALLS,
    /** That, and the basic blocks of the app's classes each call executed. */
    USEFUL_WORK
}
