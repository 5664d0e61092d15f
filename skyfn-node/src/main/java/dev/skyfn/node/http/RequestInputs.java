package dev.skyfn.node.http;

import dev.skyfn.control.pkg.HandlerInput;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each function's handler takes ({@link HandlerInput}), read from the app's jar once per
 * version: as soon as the version is deployed here, so that its first call — a cold start already
 * — does not also read the jar (about a millisecond); on first use for a version this node heard
 * of otherwise.
 */
final class RequestInputs implements AppCatalog.Listener {

    /** By {@code tenant/app@version/function}. */
    private final Map<String, HandlerInput.Kind> kinds = new ConcurrentHashMap<>();

    HandlerInput.Kind of(DeployedApp app, FunctionSpec fn) {
        return kinds.computeIfAbsent(key(app, fn.name()), k -> HandlerInput.of(app.jar(), fn));
    }

    @Override
    public void deployed(DeployedApp app, DeployedApp previous) {
        Thread.ofVirtual().name("request-inputs-" + app.key()).start(() -> app.manifest().functions().values().forEach(fn -> of(app, fn)));
    }

    @Override
    public void removed(DeployedApp app) {
        // every version's: calls of an older one still in flight read it again, once
        String prefix = app.key() + "@";
        kinds.keySet().removeIf(k -> k.startsWith(prefix));
    }

    private static String key(DeployedApp app, String function) {
        return app.key() + "@" + app.version() + "/" + function;
    }
}
