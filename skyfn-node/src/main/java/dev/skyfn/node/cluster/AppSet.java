package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A set of apps that tells its listeners of each change: every app of the fleet, or those placed on this node. */
final class AppSet implements AppCatalog {

    private final Map<AppKey, DeployedApp> apps = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final boolean replicas;

    /** @param replicas whether the set holds the apps placed on this node ({@link AppCatalog#placesReplicas()}) */
    AppSet(boolean replicas) {
        this.replicas = replicas;
    }

    @Override
    public boolean placesReplicas() {
        return replicas;
    }

    /** Adds or replaces the app; listeners hear of it unless it was there already as it is. */
    void put(DeployedApp app) {
        DeployedApp before = apps.put(app.key(), app);
        if (!app.equals(before)) {
            listeners.forEach(l -> l.deployed(app, before));
        }
    }

    void drop(AppKey key) {
        DeployedApp gone = apps.remove(key);
        if (gone != null) {
            listeners.forEach(l -> l.removed(gone));
        }
    }

    @Override
    public Optional<DeployedApp> find(AppKey key) {
        return Optional.ofNullable(apps.get(key));
    }

    @Override
    public List<DeployedApp> list(String tenant) {
        return apps.values().stream().filter(a -> a.tenant().equals(tenant)).sorted(Comparator.comparing(DeployedApp::name)).toList();
    }

    @Override
    public List<DeployedApp> all() {
        return apps.values().stream().sorted(Comparator.comparing(a -> a.key().toString())).toList();
    }

    @Override
    public void subscribe(Listener listener) {
        listeners.add(listener);
    }
}
