package dev.skyfn.core.app;

import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.Manifest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * One version of an app as deployed.
 *
 * @param tenant     the owner
 * @param version    1 for the first deployment, one more for each redeployment
 * @param jar        where the app's package is on this host
 * @param sha256     the package's digest, hex
 * @param deployedAt when this version was deployed
 * @param createdAt  when the app was created: its first version's deployment since it was last
 *                   removed, as Kubernetes' {@code creationTimestamp}; null for an app created
 *                   before this was recorded. It tells an app removed and created again under its
 *                   name from the one before, whose durable trigger state it must not take up.
 */
public record DeployedApp(String tenant, Manifest manifest, int version, Path jar, String sha256,
                          long sizeBytes, Instant deployedAt, Instant createdAt) {

    public String name() {
        return manifest.app();
    }

    /**
     * Whether {@code other} is a version of this same app: the same key and creation, not an app
     * removed and created again under its name.
     */
    public boolean sameApp(DeployedApp other) {
        return key().equals(other.key()) && java.util.Objects.equals(createdAt, other.createdAt);
    }

    public AppKey key() {
        return new AppKey(tenant, manifest.app());
    }

    public Optional<FunctionSpec> function(String name) {
        return Optional.ofNullable(manifest.functions().get(name));
    }
}
