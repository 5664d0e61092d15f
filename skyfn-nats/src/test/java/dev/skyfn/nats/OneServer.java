package dev.skyfn.nats;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.nats.servers.LocalNats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    /** Seals the values of the data layers under test, as a fleet started with a data key does. */
    public static final Sealer SEALER = Sealer.of(java.util.HexFormat.of().parseHex(Sealer.newKey()));

    private Path dir;
    private LocalNats nats;
    private Engine engine;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("skyfn-nats-test");
        nats = LocalNats.start(Topology.local(1, 1024), dir);
        engine = Engine.connect(nats.access(Topology.LOCAL, FleetSecrets.OPERATOR), "test");
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (engine != null) {
            engine.close();
        }
        if (nats != null) {
            nats.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /** Where the server keeps JetStream's files: what a disk in an untrusted cloud would hold. */
    public Path storeDir() {
        return dir;
    }

    public Engine engine() {
        return engine;
    }

    /** A bucket name no other test uses. */
    public static String freshName(String prefix) {
        return prefix + "-" + BUCKETS.incrementAndGet();
    }
}
