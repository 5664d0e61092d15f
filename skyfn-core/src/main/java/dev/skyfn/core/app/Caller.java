package dev.skyfn.core.app;

/**
 * Who made an API call.
 *
 * @param tenant the tenant whose apps the call may see
 * @param admin  whether it may also manage tenants
 */
public record Caller(String tenant, boolean admin) {
}
