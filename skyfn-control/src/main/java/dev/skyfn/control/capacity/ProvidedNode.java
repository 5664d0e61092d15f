package dev.skyfn.control.capacity;

/**
 * A node as its cloud's provider sees it.
 *
 * @param node  its name in the topology (one of its cloud's elastic nodes)
 * @param cloud the cloud it belongs to
 * @param state {@link NodeState#BOOTING} until the provider has started it, then
 *              {@link NodeState#READY} (the provider's view: whether it has joined the fleet is
 *              the heartbeats' to say)
 */
public record ProvidedNode(String node, String cloud, NodeState state) {
}
