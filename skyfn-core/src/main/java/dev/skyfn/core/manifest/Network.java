package dev.skyfn.core.manifest;

/**
 * What network an app's sandbox may reach (manifest field {@code network}). Either way it never
 * reaches its node's host: not the node's ports, other sandboxes' or the fleet's NATS servers.
 */
public enum Network {
    /** The outside world, as a Lambda function can (the default). */
    OUTBOUND,
    /** Nothing beyond the sandbox's own loopback. */
    NONE
}
