package dev.skyfn.sandbox;

import java.util.Map;

/**
 * The app a sandbox serves once loaded: its class loader, how values are mapped, and a worker and
 * a timeout per function.
 */
record LoadedApp(String name, int version, AppClassLoader loader, Codec codec, Map<String, GrainWorker> workers,
                 Map<String, Long> timeoutsMillis) {
}
