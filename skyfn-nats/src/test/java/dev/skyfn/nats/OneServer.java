package dev.skyfn.nats;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.servers.LocalNats;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;

/** One real NATS server with JetStream for a test class, and fresh bucket names for each test. */
public final class OneServer implements AutoCloseable {

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private final LocalNats nats;
    private final Engine engine;

    public OneServer() throws Exception {
        nats = LocalNats.start(Topology.local(1, 1024), Files.createTempDirectory("skyfn-nats-test"));
        engine = Engine.connect(nats.url(Topology.LOCAL), "test");
    }

    public Engine engine() {
        return engine;
    }

    public String url() {
        return nats.url(Topology.LOCAL);
    }

    /** A bucket name no other test uses. */
    public static String freshName(String prefix) {
        return prefix + "-" + BUCKETS.incrementAndGet();
    }

    @Override
    public void close() {
        engine.close();
        nats.close();
    }

}
