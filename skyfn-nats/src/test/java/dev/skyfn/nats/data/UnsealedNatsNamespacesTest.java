package dev.skyfn.nats.data;

import dev.skyfn.core.data.Namespaces;
import dev.skyfn.core.data.NamespacesConformance;
import dev.skyfn.nats.OneServer;
import dev.skyfn.nats.seal.Sealer;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same tests with values stored as they are, as a fleet started without a data key keeps them. */
class UnsealedNatsNamespacesTest extends NamespacesConformance {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Override
    protected Namespaces store(LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes) {
        return new NatsNamespaces(server.engine(), server.engine().bucket(OneServer.freshName("ephemeral"), 1, Duration.ZERO), nanos,
                quotaBytesPerTenant, maxValueBytes, Sealer.none());
    }
}
