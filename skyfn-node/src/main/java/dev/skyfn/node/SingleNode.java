package dev.skyfn.node;

import dev.skyfn.control.api.ControlApi;
import dev.skyfn.control.pkg.PackageInspector;
import dev.skyfn.control.pkg.PackageLimits;
import dev.skyfn.control.registry.AppRegistry;
import dev.skyfn.control.AtomicFiles;
import dev.skyfn.control.tenant.Tenants;
import dev.skyfn.core.app.Authenticator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a control plane and a node in one process, their state in one directory.
 * In dev mode every call is tenant {@code dev} and needs no key; otherwise every call needs an API
 * key, and the first start writes an admin key to {@code <data>/admin.key}.
 */
public final class SingleNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SingleNode.class);
    public static final String DEV_TENANT = "dev";

    private final Node node;
    private final AppRegistry registry;
    private final Tenants tenants;

    private SingleNode(Node node, AppRegistry registry, Tenants tenants) {
        this.node = node;
        this.registry = registry;
        this.tenants = tenants;
    }

    public static SingleNode start(NodeConfig config, boolean dev) {
        Path data = config.dataDir();
        try {
            // tenants' jars and the key digests: nobody else on the host reads them
            AtomicFiles.privateDirectory(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Clock clock = Clock.systemUTC();
        var registry = new AppRegistry(data.resolve("apps"), new PackageInspector(new PackageLimits(config.maxPackageBytes(),
                PackageLimits.DEFAULT.maxUnpackedBytes(), PackageLimits.DEFAULT.maxEntries())), clock);
        var tenants = new Tenants(data.resolve("tenants.json"), clock);
        Authenticator auth = dev ? Authenticator.open(DEV_TENANT) : tenants;
        if (!dev) {
            tenants.bootstrapAdmin().ifPresent(key -> writeAdminKey(data.resolve("admin.key"), key.apiKey()));
        }
        var fleet = new LocalFleet(config.name(), config.maxSandboxes(), config.sandboxMemoryBytes());
        Node node = Node.start(config, registry, auth, List.of(new ControlApi(registry, tenants, auth, fleet)));
        try {
            fleet.watch(node);
            node.startTriggers();
        } catch (RuntimeException | Error e) {
            node.close(); // its sandboxes and its port are not left behind
            throw e;
        }
        return new SingleNode(node, registry, tenants);
    }

    public static void writeAdminKey(Path file, String key) {
        try {
            AtomicFiles.write(file, (key + "\n").getBytes(StandardCharsets.UTF_8));
            LOG.info("admin API key written to {} (shown nowhere else)", file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return node.port();
    }

    public Node node() {
        return node;
    }

    public AppRegistry registry() {
        return registry;
    }

    public Tenants tenants() {
        return tenants;
    }

    @Override
    public void close() {
        node.close();
    }
}
