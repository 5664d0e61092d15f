package dev.skyfn.sandbox;

import dev.skyfn.core.workflow.Definition;
import java.util.Map;

/**
 * An app a sandbox serves once loaded, in its slot: its class loader, how values are mapped, a
 * worker and a timeout per function, its workflows, and what its invocations reach out to.
 */
record LoadedApp(int slot, String name, int version, AppClassLoader loader, Codec codec, Map<String, GrainWorker> workers,
                 Map<String, Long> timeoutsMillis, Map<String, Definition> workflows, Services services) {
}
