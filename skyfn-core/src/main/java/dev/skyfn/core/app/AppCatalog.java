package dev.skyfn.core.app;

import java.util.List;
import java.util.Optional;

/** The apps a node may serve: read side of the control plane's registry. */
public interface AppCatalog {

    Optional<DeployedApp> find(AppKey key);

    List<DeployedApp> list(String tenant);

    /** Every app of every tenant, for a node starting up. */
    List<DeployedApp> all();

    void subscribe(Listener listener);

    /**
     * Whether these are the apps a fleet placed on this node as replicas: then a replica is loaded
     * as soon as it is placed (the placement asked for it to serve, not to cold-start on its first
     * call), and an autoscaled app's stays loaded while it is placed — the fleet's autoscaler, not
     * the node's keep-warm time, takes it away (a Knative revision's pods are running, not merely
     * scheduled). False on one node, where an app loads on its first call and an idle one leaves
     * its sandbox after its keep-warm time.
     */
    default boolean placesReplicas() {
        return false;
    }

    /** Told of changes after they are durable. */
    interface Listener {

        /** {@code app} replaced {@code previous} (null for a first deployment). */
        void deployed(DeployedApp app, DeployedApp previous);

        void removed(DeployedApp app);
    }
}
