package dev.skyfn.core.app;

import java.util.Optional;

/** Turns an API key into the caller it belongs to. */
public interface Authenticator {

    /** The caller owning {@code apiKey}, or empty for an unknown or revoked key. */
    Optional<Caller> authenticate(String apiKey);

    /** Whether {@code tenant} exists here: a usage record naming any other is not billed to anyone. */
    default boolean knows(String tenant) {
        return true;
    }

    /** Whether calls without a key are let through (dev mode only). */
    default boolean open() {
        return false;
    }

    /** Dev mode: no keys, every call is the admin of tenant {@code tenant}. */
    static Authenticator open(String tenant) {
        Caller dev = new Caller(tenant, true);
        return new Authenticator() {
            @Override
            public Optional<Caller> authenticate(String apiKey) {
                return Optional.of(dev);
            }

            @Override
            public boolean knows(String name) {
                return name.equals(tenant);
            }

            @Override
            public boolean open() {
                return true;
            }
        };
    }
}
