package dev.skyfn.node.data;

import dev.skyfn.core.data.Namespaces;
import dev.skyfn.core.data.NamespacesConformance;
import java.util.function.LongSupplier;

class EphemeralStoreTest extends NamespacesConformance {

    @Override
    protected Namespaces store(LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes) {
        return new EphemeralStore(nanos, quotaBytesPerTenant, maxValueBytes);
    }
}
