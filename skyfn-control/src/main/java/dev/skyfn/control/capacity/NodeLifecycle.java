package dev.skyfn.control.capacity;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;

/**
 * The node lifecycle as a state machine: requested → booting → ready → draining → released. Pure:
 * the capacity controller feeds it what it saw and writes what it answers.
 */
public final class NodeLifecycle {

    /** What can happen to an elastic node. */
    public enum Event {
        /** The cloud accepted the request. */
        ACCEPTED,
        /** The node's first heartbeat arrived. */
        JOINED,
        /** The platform decided to give it back. */
        DRAIN,
        /** It serves no replica and runs no call any more. */
        DRAINED,
        /** The cloud refused the request, or the node never joined, or it died. */
        FAILED
    }

    private NodeLifecycle() {
    }

    /**
     * The state after {@code event} in {@code state}.
     *
     * @throws SkyfnException CONFLICT for an event that cannot happen in that state (a node
     *                        released is never heard of again; one draining is not made ready)
     */
    public static NodeState next(NodeState state, Event event) {
        NodeState next = switch (event) {
            case ACCEPTED -> state == NodeState.REQUESTED ? NodeState.BOOTING : null;
            case JOINED -> state == NodeState.REQUESTED || state == NodeState.BOOTING ? NodeState.READY
                    : state == NodeState.READY || state == NodeState.DRAINING ? state : null;
            case DRAIN -> state == NodeState.RELEASED ? null : NodeState.DRAINING;
            case DRAINED -> state == NodeState.DRAINING ? NodeState.RELEASED : null;
            case FAILED -> NodeState.RELEASED;
        };
        if (next == null) {
            throw new SkyfnException(ErrorCode.CONFLICT, "a node " + state.name().toLowerCase(java.util.Locale.ROOT)
                    + " cannot be " + event.name().toLowerCase(java.util.Locale.ROOT));
        }
        return next;
    }
}
