package dev.skyfn.control.capacity;

import java.util.List;

/**
 * How the platform asks a cloud for a node and gives it back: the SPI each kind of cloud
 * implements. {@code static} has only the nodes the topology lists; {@code local} starts real
 * {@code skyfn node} processes for an emulated cloud; a real cloud maps these calls to its API
 * (see docs/OPERATING.md). Calls return at once: a node acquired boots in the background and joins
 * the fleet by itself, which is how the platform learns it is ready.
 */
public interface CapacityProvider {

    /**
     * Asks {@code cloud} for one more node.
     *
     * @return the node it is to be, booting
     * @throws dev.skyfn.core.SkyfnException UNAVAILABLE when the cloud has no more to give (its
     *         {@code maxNodes}, or the provider refuses), or cannot be reached
     */
    ProvidedNode acquire(String cloud);

    /** Gives {@code node} of {@code cloud} back; a node already gone is no error. */
    void release(String cloud, String node);

    /** The nodes of {@code cloud} this provider has given and not yet taken back. */
    List<ProvidedNode> list(String cloud);

    /**
     * Has {@code cloud} take {@code node} back after {@code notice}, as a spot market does: the
     * node hears its preemption notice at once, and is gone when the notice runs out. Only an
     * emulated cloud can be told to: a real one preempts on its own, and its nodes read their
     * notices from its metadata endpoint.
     *
     * @param notice how long before the node is gone; zero for none (the node dies at once)
     * @return when the node is gone
     * @throws dev.skyfn.core.SkyfnException BAD_REQUEST when the cloud cannot be told to,
     *         CONFLICT when it has no such node running
     */
    default java.time.Instant preempt(String cloud, String node, java.time.Duration notice) {
        throw new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.BAD_REQUEST, "cloud " + cloud
                + " preempts on its own: only the emulated clouds of skyfn dev --topology can be told to");
    }
}
