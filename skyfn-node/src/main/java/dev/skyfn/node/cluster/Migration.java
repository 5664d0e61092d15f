package dev.skyfn.node.cluster;

import dev.skyfn.control.placement.Scheduler;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.Verify;
import dev.skyfn.nats.apps.AppRecord;
import java.util.List;

/**
 * An app migrated to one cloud ({@code skyfn migrate APP --to CLOUD}): its record names the cloud
 * ({@link AppRecord#pinnedTo()}), and while a replica is still elsewhere the migration is under
 * way — the fleet's control loop ({@link Moves}) warms replicas up on the cloud and drops the
 * others once those serve. Until then the app is placed as before (a lost node's replica is
 * placed again, the autoscaler adds replicas, both as the manifest allows); from then on it is
 * confined to the cloud.
 */
final class Migration {

    private Migration() {
    }

    /**
     * Where a migrating app's replicas go on its cloud, and how many it is to have there: as many
     * as it has, as far as the cloud can ever hold them ({@link #room}). The move starts once the
     * placement has them all, so that the app never runs on fewer replicas than it had.
     */
    record Target(dev.skyfn.control.placement.Placement placement, int wanted) {
        boolean ready() {
            return placement.nodes().size() >= wanted;
        }
    }

    /** Whether the record names a cloud and has a replica elsewhere. */
    static boolean underWay(AppRecord record) {
        return record.pinnedTo() != null && record.replicas().stream().anyMatch(r -> !r.cloud().equals(record.pinnedTo()));
    }

    /** Whether the record names a cloud and has every replica there. */
    static boolean settled(AppRecord record) {
        return record.pinnedTo() != null && !underWay(record);
    }

    /** The manifest confined to {@code cloud}; unchanged when {@code cloud} is null. */
    static Manifest confined(Manifest manifest, String cloud) {
        return cloud == null ? manifest : manifest.withPlacement(manifest.placement().confinedTo(cloud));
    }

    /**
     * Refuses a migration the app's own placement would not make: a cloud the topology lacks
     * (NOT_FOUND), one its affinity, requirements or tenant's trust policy rule out, or any single
     * cloud for functions verified on two providers (PLACEMENT_UNSATISFIABLE).
     *
     * @param manifest the app's manifest with its tenant's trust policy required
     */
    static void check(Manifest manifest, String cloud, Topology topology) {
        if (topology.cloud(cloud).isEmpty()) {
            throw new SkyfnException(ErrorCode.NOT_FOUND, "no cloud " + cloud + " in the fleet's topology; its clouds are "
                    + topology.clouds().stream().map(Cloud::name).toList());
        }
        if (manifest.functions().values().stream().anyMatch(f -> f.verify() == Verify.REDUNDANT)) {
            throw new SkyfnException(ErrorCode.PLACEMENT_UNSATISFIABLE, "app " + manifest.app() + " has functions declared verify: "
                    + "redundant, which run on the clouds of two providers: it cannot be confined to one cloud");
        }
        List<String> allowed = Scheduler.eligible(manifest.placement(), manifest.memoryMb(), topology).stream()
                .flatMap(List::stream).toList();
        if (!allowed.contains(cloud)) {
            throw new SkyfnException(ErrorCode.PLACEMENT_UNSATISFIABLE, "app " + manifest.app() + " may not run on cloud " + cloud
                    + ": its placement (affinity, requirements) and its tenant's trust policy allow only " + allowed);
        }
    }

    /** The most replicas {@code cloud} can hold: one per node it lists or may add (its {@code maxNodes}). */
    static int room(Topology topology, String cloud) {
        return topology.cloud(cloud).map(c -> c.nodes().size()).orElse(0) + topology.elasticNodes(cloud).size();
    }
}
