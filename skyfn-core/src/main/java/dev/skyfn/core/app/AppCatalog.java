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

    /** Told of changes after they are durable. */
    interface Listener {

        /** {@code app} replaced {@code previous} (null for a first deployment). */
        void deployed(DeployedApp app, DeployedApp previous);

        void removed(DeployedApp app);
    }
}
