package dev.skyfn.core.app;

/** An app's identity: app names are unique within a tenant only. */
public record AppKey(String tenant, String app) {

    @Override
    public String toString() {
        return tenant + "/" + app;
    }
}
