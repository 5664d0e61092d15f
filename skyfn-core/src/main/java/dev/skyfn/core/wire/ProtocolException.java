package dev.skyfn.core.wire;

/** A frame that breaks the sandbox protocol: the peer is broken or hostile and is cut off. */
public final class ProtocolException extends RuntimeException {

    public ProtocolException(String message) {
        super(message);
    }
}
