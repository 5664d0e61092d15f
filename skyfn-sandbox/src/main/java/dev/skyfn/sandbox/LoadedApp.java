package dev.skyfn.sandbox;

import java.util.Map;

/** The app a sandbox serves once loaded: its class loader and a worker per function. */
record LoadedApp(String name, int version, AppClassLoader loader, Map<String, GrainWorker> workers) {
}
