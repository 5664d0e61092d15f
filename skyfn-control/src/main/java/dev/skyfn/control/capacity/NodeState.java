package dev.skyfn.control.capacity;

/**
 * Where an elastic node is in its life, from the moment the platform asks a cloud for it to the
 * moment the cloud has it back. Its cost accrues from {@link #REQUESTED} to {@link #RELEASED}.
 */
public enum NodeState {
    /** Asked of the cloud; the cloud has not answered yet. */
    REQUESTED,
    /** The cloud accepted: the machine starts, then the node process; not heard from yet. */
    BOOTING,
    /** Heard from: it heartbeats, and apps may be placed on it. */
    READY,
    /** To be given back: nothing new is placed on it, its replicas move away, its calls finish. */
    DRAINING,
    /** Given back to the cloud (or never obtained): it costs nothing more. */
    RELEASED
}
