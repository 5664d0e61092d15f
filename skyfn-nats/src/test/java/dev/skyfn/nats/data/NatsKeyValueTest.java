package dev.skyfn.nats.data;

import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.KeyValueConformance;
import dev.skyfn.nats.OneServer;
import org.junit.jupiter.api.extension.RegisterExtension;
import java.time.Duration;

/** The global data layer on a real JetStream bucket passes the tests every data layer passes. */
class NatsKeyValueTest extends KeyValueConformance {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Override
    protected KeyValue store() {
        return new NatsKeyValue(server.engine(), server.engine().bucket(OneServer.freshName("state"), 1, Duration.ZERO),
                server.engine().objectStore(OneServer.freshName("values")), QUOTA, MAX_VALUE, NatsKeyValue.INLINE_BYTES, OneServer.SEALER);
    }
}
