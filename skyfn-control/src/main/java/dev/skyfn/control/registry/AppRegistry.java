package dev.skyfn.control.registry;

import dev.skyfn.control.AtomicFiles;
import dev.skyfn.control.Json;
import dev.skyfn.control.pkg.AppPackage;
import dev.skyfn.control.pkg.PackageInspector;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.Names;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployed apps, kept in a directory so that they survive restarts:
 * {@code apps/<tenant>/<app>/v<N>.jar} and {@code current.json} naming the live version. A
 * deployment is durable before anyone is told of it.
 */
public final class AppRegistry implements AppStore {

    private static final Logger LOG = LoggerFactory.getLogger(AppRegistry.class);
    private static final String CURRENT = "current.json";

    private final Path root;
    private final PackageInspector inspector;
    private final Clock clock;
    private final Map<AppKey, DeployedApp> apps = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public AppRegistry(Path root, PackageInspector inspector, Clock clock) {
        this.root = root;
        this.inspector = inspector;
        this.clock = clock;
        try {
            Files.createDirectories(root.resolve(".incoming"));
            load();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record kept beside each app's jars ({@code createdAt} absent from records written before it was kept). */
    record Current(int version, String sha256, long sizeBytes, Instant deployedAt, Instant createdAt) {
    }

    public PackageInspector inspector() {
        return inspector;
    }

    @Override
    public dev.skyfn.control.pkg.PackageLimits limits() {
        return inspector.limits();
    }

    /** Checks and stores a package for {@code tenant}, replacing the app's previous version. */
    public DeployedApp deploy(String tenant, InputStream jar) {
        return deploy(tenant, jar, manifest -> { });
    }

    /**
     * {@link #deploy(String, InputStream)}, after {@code admit} has seen the package's manifest
     * (it throws to refuse the package).
     */
    @Override
    public DeployedApp deploy(String tenant, InputStream jar, java.util.function.Consumer<dev.skyfn.core.manifest.Manifest> admit) {
        Path incoming = root.resolve(".incoming").resolve(UUID.randomUUID() + ".jar");
        try {
            AppPackage pkg = inspector.receive(jar, incoming);
            admit.accept(pkg.manifest());
            return install(tenant, pkg, incoming);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(incoming);
            } catch (IOException ignored) {
                // a stray upload is removed at the next start
            }
        }
    }

    private DeployedApp install(String tenant, AppPackage pkg, Path incoming) throws IOException {
        AppKey key = new AppKey(tenant, pkg.manifest().app());
        // listeners are told inside the lock, so that they see an app's versions in order
        synchronized (this) {
            DeployedApp previous = apps.get(key);
            int version = previous == null ? 1 : previous.version() + 1;
            Path dir = root.resolve(tenant).resolve(key.app());
            Files.createDirectories(dir);
            Path jar = dir.resolve("v" + version + ".jar");
            AtomicFiles.move(incoming, jar);
            Instant now = clock.instant();
            var app = new DeployedApp(tenant, pkg.manifest(), version, jar, pkg.sha256(), pkg.sizeBytes(), now,
                    previous == null ? now : previous.createdAt());
            AtomicFiles.write(dir.resolve(CURRENT), Json.pretty(new Current(version, pkg.sha256(), pkg.sizeBytes(), app.deployedAt(),
                    app.createdAt())));
            apps.put(key, app);
            if (previous != null) {
                pruneBefore(dir, previous.version());
            }
            LOG.info("deployed {} version {} ({} functions, {} bytes)", key, app.version(), app.manifest().functions().size(), app.sizeBytes());
            listeners.forEach(l -> l.deployed(app, previous));
            return app;
        }
    }

    /** Removes jars older than the one just replaced; that one may still serve calls in flight. */
    private static void pruneBefore(Path dir, int keep) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.matches("v\\d+\\.jar") && Integer.parseInt(name.substring(1, name.length() - 4)) < keep) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Override
    public boolean remove(AppKey key) {
        synchronized (this) {
            DeployedApp app = apps.remove(key);
            if (app == null) {
                return false;
            }
            try {
                Path dir = root.resolve(key.tenant()).resolve(key.app());
                Files.deleteIfExists(dir.resolve(CURRENT));
                AtomicFiles.deleteTree(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LOG.info("removed {}", key);
            listeners.forEach(l -> l.removed(app));
            return true;
        }
    }

    @Override
    public Optional<DeployedApp> find(AppKey key) {
        return Optional.ofNullable(apps.get(key));
    }

    @Override
    public List<DeployedApp> list(String tenant) {
        return apps.values().stream().filter(a -> a.tenant().equals(tenant))
                .sorted(Comparator.comparing(DeployedApp::name)).toList();
    }

    @Override
    public List<DeployedApp> all() {
        return apps.values().stream().sorted(Comparator.comparing(DeployedApp::key, Comparator.comparing(AppKey::toString))).toList();
    }

    @Override
    public void subscribe(Listener listener) {
        listeners.add(listener);
    }

    private void load() throws IOException {
        AtomicFiles.deleteTree(root.resolve(".incoming"));
        Files.createDirectories(root.resolve(".incoming"));
        try (var tenants = Files.list(root)) {
            for (Path tenantDir : tenants.filter(Files::isDirectory).toList()) {
                String tenant = tenantDir.getFileName().toString();
                if (!Names.isTenantName(tenant)) {
                    continue;
                }
                try (var appDirs = Files.list(tenantDir)) {
                    for (Path dir : appDirs.filter(d -> Files.exists(d.resolve(CURRENT))).toList()) {
                        loadApp(tenant, dir);
                    }
                }
            }
        }
        LOG.info("{} apps in {}", apps.size(), root);
    }

    private void loadApp(String tenant, Path dir) {
        try {
            Current current = Json.read(Files.readAllBytes(dir.resolve(CURRENT)), Current.class);
            Path jar = dir.resolve("v" + current.version() + ".jar");
            AppPackage pkg = inspector.inspect(jar);
            if (!pkg.sha256().equals(current.sha256())) {
                LOG.error("skipping {}: its jar does not match the digest recorded at deployment", jar);
                return;
            }
            var app = new DeployedApp(tenant, pkg.manifest(), current.version(), jar, pkg.sha256(), pkg.sizeBytes(), current.deployedAt(),
                    current.createdAt());
            apps.put(app.key(), app);
        } catch (IOException | RuntimeException e) {
            LOG.error("skipping the app in {}: {}", dir, e.getMessage());
        }
    }
}
