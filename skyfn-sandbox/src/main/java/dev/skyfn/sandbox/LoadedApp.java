package dev.skyfn.sandbox;

import dev.skyfn.core.workflow.Definition;
import java.util.Map;

/**
 * The app a sandbox serves once loaded: its class loader, how values are mapped, a worker and a
 * timeout per function, and its workflows.
 */
record LoadedApp(String name, int version, AppClassLoader loader, Codec codec, Map<String, GrainWorker> workers,
                 Map<String, Long> timeoutsMillis, Map<String, Definition> workflows) {
}
