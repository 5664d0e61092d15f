package dev.skyfn.nats.data;

import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.data.KeyValueConformance;
import dev.skyfn.nats.OneServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The global data layer on a real JetStream bucket passes the tests every data layer passes. */
class NatsKeyValueTest extends KeyValueConformance {

    static OneServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new OneServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected KeyValue store() {
        return new NatsKeyValue(server.engine().bucket(OneServer.freshName("state"), 1, Duration.ZERO), QUOTA, MAX_VALUE);
    }
}
