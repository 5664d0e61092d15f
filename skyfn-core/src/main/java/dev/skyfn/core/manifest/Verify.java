package dev.skyfn.core.manifest;

/** How a function's results are checked (manifest field {@code verify}). */
public enum Verify {
    /** They are taken as the node that ran the call gives them. */
    NONE,
    /**
     * In a fleet, each call runs on two nodes in clouds of different providers, and is answered
     * only when both results agree (by SHA-256); else {@code RESULT_MISMATCH}. For deterministic
     * functions; it costs twice the compute.
     */
    REDUNDANT
}
