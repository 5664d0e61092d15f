package dev.skyfn.control.registry;

import dev.skyfn.control.pkg.PackageLimits;
import dev.skyfn.control.placement.Replica;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.Manifest;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the control plane keeps deployed apps: a directory on one machine ({@link AppRegistry}),
 * or JetStream across clouds.
 */
public interface AppStore extends AppCatalog {

    PackageLimits limits();

    /**
     * Checks and stores a package for {@code tenant}, replacing the app's previous version, after
     * {@code admit} has seen its manifest (it throws to refuse the package).
     */
    DeployedApp deploy(String tenant, InputStream jar, Consumer<Manifest> admit);

    /** Removes an app; false when the tenant has no such app. */
    boolean remove(AppKey key);

    /**
     * The placement in force of an app: the nodes it was placed on and runs on, best first, which
     * may differ from where it would be placed now. Empty when the store does not place apps (on
     * one node, every app runs on that node), or has no such app.
     */
    default Optional<List<Replica>> replicas(AppKey key) {
        return Optional.empty();
    }

    /**
     * The last change of the app's placement in force and why; empty when the store does not place
     * apps, has no such app, or its record predates the reasons.
     */
    default Optional<dev.skyfn.control.placement.PlacementChange> lastChange(AppKey key) {
        return Optional.empty();
    }

    /**
     * What the fleet's autoscaler decided for an app lately; empty when it has decided nothing for
     * it (no {@code scaling} in its manifest, or one node, where the app runs on that node).
     */
    default Optional<dev.skyfn.control.scaling.ScalingRecord> scaling(AppKey key) {
        return Optional.empty();
    }

    /**
     * Migrates an app to {@code cloud} ({@code skyfn migrate APP --to CLOUD}): its placement is
     * confined to that cloud from now on, and the fleet moves its replicas there without a failed
     * call — new ones warm up on the cloud's nodes, routing switches as they serve, the old ones
     * drain and are dropped. Empty {@code cloud} lifts the confinement: the scheduler may place
     * the app on any cloud its manifest allows again (and move it for price). Returns the
     * replicas in force when asked, the move starting from them.
     *
     * @throws dev.skyfn.core.SkyfnException NOT_FOUND (no such cloud), PLACEMENT_UNSATISFIABLE (the
     *         app's placement or its tenant's trust policy does not allow the cloud, or its
     *         functions are declared {@code verify: redundant}, which needs two providers),
     *         BAD_REQUEST (a store that does not place apps: one node, nowhere to migrate to)
     */
    default List<Replica> migrate(AppKey key, Optional<String> cloud) {
        throw new dev.skyfn.core.SkyfnException(dev.skyfn.core.ErrorCode.BAD_REQUEST,
                "this node runs alone: there is no other cloud to migrate " + key.app() + " to");
    }

    /** The cloud the app was migrated to and is confined to; empty when the scheduler places it freely. */
    default Optional<String> pinnedTo(AppKey key) {
        return Optional.empty();
    }
}
