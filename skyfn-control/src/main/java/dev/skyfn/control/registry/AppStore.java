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
}
