package dev.skyfn.nats;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How a process reaches its cloud's NATS server: where, as whom, and whom to trust.
 *
 * @param url  the server's client URL ({@code nats://host:port}, or {@code tls://host:port})
 * @param seed a file holding the process's own NATS user nkey seed ({@code SU…}): it proves who
 *             the process is by signing the server's challenge (the seed never leaves the process)
 * @param ca   a PEM file of the certificate authority the servers' certificates are signed by:
 *             when given, the connection is TLS and the server must prove it is one of the fleet's
 */
public record NatsAccess(String url, Optional<Path> seed, Optional<Path> ca) {

    /** A server that takes clients without credentials (a NATS server the operator runs so). */
    public static NatsAccess anonymous(String url) {
        return new NatsAccess(url, Optional.empty(), Optional.empty());
    }

    @Override
    public String toString() {
        return url + seed.map(s -> " as " + s.getFileName()).orElse(" without credentials") + ca.map(c -> ", TLS").orElse("");
    }
}
