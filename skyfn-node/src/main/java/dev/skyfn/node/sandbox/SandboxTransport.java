package dev.skyfn.node.sandbox;

import java.util.Locale;

/**
 * How frames travel between a node and its sandboxes ({@code docs/sandbox-protocol.md}).
 * Either carries every frame of the protocol; the sandbox is told which at its start.
 */
public enum SandboxTransport {
    /** A Unix domain socket alone: a system call and a thread woken for each frame. */
    SOCKET,
    /**
     * Two rings in a memory-mapped file shared by the node and the sandbox alone, the socket kept
     * as the doorbell for a reader that went to sleep and for frames too large for a ring.
     */
    SHARED_MEMORY;

    /**
     * The system property that sets the default (a node's option overrides it): how the test
     * suite runs every test of sandboxes on each transport in turn.
     */
    public static final String PROPERTY = "skyfn.sandboxTransport";

    /** {@link #PROPERTY}'s transport when set, else the socket. */
    public static SandboxTransport byDefault() {
        String set = System.getProperty(PROPERTY);
        return set == null || set.isBlank() ? SOCKET : parse(set);
    }

    /** {@code socket} or {@code shared-memory}. */
    public static SandboxTransport parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "socket" -> SOCKET;
            case "shared-memory" -> SHARED_MEMORY;
            default -> throw new IllegalArgumentException("unknown sandbox transport '" + name + "': socket or shared-memory");
        };
    }

    /** The name {@link #parse} takes. */
    public String label() {
        return this == SOCKET ? "socket" : "shared-memory";
    }
}
