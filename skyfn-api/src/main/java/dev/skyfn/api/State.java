package dev.skyfn.api;

/**
 * An app's state, in SAND's two data layers: {@link #local()} lives in the memory of the node the
 * app runs on and is shared by its functions there; {@link #global()} is durable (it survives the
 * node's restarts) and, across many nodes, shared by all of them.
 */
public interface State {

    Store local();

    Store global();
}
