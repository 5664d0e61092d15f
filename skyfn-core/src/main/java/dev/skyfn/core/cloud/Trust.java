package dev.skyfn.core.cloud;

/**
 * How far a cloud is trusted with a tenant's code and data. A TEE cloud runs code in enclaves
 * its operator cannot look into, so it satisfies whatever a trusted cloud does.
 */
public enum Trust {
    UNTRUSTED,
    TRUSTED,
    TEE;

    /** Whether a cloud of this trust may host an app that requires {@code required}. */
    public boolean satisfies(Trust required) {
        return switch (required) {
            case UNTRUSTED -> true;
            case TRUSTED -> this != UNTRUSTED;
            case TEE -> this == TEE;
        };
    }
}
