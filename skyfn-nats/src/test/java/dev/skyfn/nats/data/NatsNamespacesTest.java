package dev.skyfn.nats.data;

import dev.skyfn.core.data.Namespaces;
import dev.skyfn.core.data.NamespacesConformance;
import dev.skyfn.nats.OneServer;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ephemeral namespaces on a real JetStream bucket pass the tests every store of namespaces passes. */
class NatsNamespacesTest extends NamespacesConformance {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Override
    protected Namespaces store(LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes) {
        return new NatsNamespaces(server.engine().bucket(OneServer.freshName("ephemeral"), 1, Duration.ZERO), nanos,
                quotaBytesPerTenant, maxValueBytes, OneServer.SEALER);
    }
}
