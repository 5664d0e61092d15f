package dev.skyfn.nats.apps;

import java.util.List;

/**
 * One deployed version of an app as the control state keeps it: its package (by digest) and the
 * nodes it was placed on.
 *
 * @param version        1 for the first deployment, one more for each redeployment
 * @param sha256         the package's digest, hex: its name in the package store
 * @param deployedAtMillis when this version was deployed, in epoch milliseconds
 * @param createdAtMillis when the app was created (its first version deployed since it was last
 *                       removed), in epoch milliseconds; 0 in records written before it was kept
 * @param replicas       where it runs, best first
 * @param change         the last change of its replicas and why (null in records written before
 *                       changes were recorded)
 * @param pinnedTo       the cloud the app was migrated to ({@code skyfn migrate APP --to CLOUD}),
 *                       which confines its placement until it is migrated again; null when the
 *                       scheduler may place it on any cloud its manifest allows
 */
public record AppRecord(String tenant, String app, int version, String sha256, long sizeBytes, long deployedAtMillis,
                        long createdAtMillis, List<Replica> replicas, Change change, String pinnedTo) {

    public AppRecord {
        replicas = List.copyOf(replicas);
    }

    /**
     * Why the replicas are what they are: a deployment, the autoscaler, a move for price, a lost
     * node's replicas placed again.
     *
     * @param atMillis when, in epoch milliseconds
     * @param why      the decision and the numbers behind it, for a person to read
     */
    public record Change(long atMillis, String why) {
    }

    /** The app on one node, with the memory the placement's overrides give it there. */
    public record Replica(String cloud, String node, int memoryMb) {
    }

    /** The record's key in the bucket: tenant and app names cannot hold a dot. */
    public String key() {
        return key(tenant, app);
    }

    static String key(String tenant, String app) {
        return tenant + "." + app;
    }

    public boolean placedOn(String node) {
        return replicas.stream().anyMatch(r -> r.node().equals(node));
    }

    /** The record with its replicas {@code next}, changed for the reason {@code change}. */
    public AppRecord withReplicas(List<Replica> next, Change change) {
        return new AppRecord(tenant, app, version, sha256, sizeBytes, deployedAtMillis, createdAtMillis, next, change, pinnedTo);
    }

    /** The record confined to {@code cloud} (null: to none), changed for the reason {@code change}. */
    public AppRecord pinnedTo(String cloud, Change change) {
        return new AppRecord(tenant, app, version, sha256, sizeBytes, deployedAtMillis, createdAtMillis, replicas, change, cloud);
    }
}
