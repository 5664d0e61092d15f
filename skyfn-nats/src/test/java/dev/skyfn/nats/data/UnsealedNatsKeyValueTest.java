package dev.skyfn.nats.data;

import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.KeyValueConformance;
import dev.skyfn.nats.OneServer;
import dev.skyfn.nats.seal.Sealer;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same tests with values stored as they are, as a fleet started without a data key keeps them. */
class UnsealedNatsKeyValueTest extends KeyValueConformance {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Override
    protected KeyValue store() {
        return new NatsKeyValue(server.engine(), server.engine().bucket(OneServer.freshName("state"), 1, Duration.ZERO),
                server.engine().objectStore(OneServer.freshName("values")), QUOTA, MAX_VALUE, NatsKeyValue.INLINE_BYTES, Sealer.none());
    }
}
