package dev.skyfn.nats;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.servers.LocalNats;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real NATS server with JetStream for a test class ({@code @RegisterExtension static OneServer
 * server = new OneServer();}), and fresh bucket names for each test.
 */
public final class OneServer implements BeforeAllCallback, AfterAllCallback {

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private LocalNats nats;
    private Engine engine;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        nats = LocalNats.start(Topology.local(1, 1024), Files.createTempDirectory("skyfn-nats-test"));
        engine = Engine.connect(nats.url(Topology.LOCAL), "test");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (engine != null) {
            engine.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    public Engine engine() {
        return engine;
    }

    /** A bucket name no other test uses. */
    public static String freshName(String prefix) {
        return prefix + "-" + BUCKETS.incrementAndGet();
    }
}
