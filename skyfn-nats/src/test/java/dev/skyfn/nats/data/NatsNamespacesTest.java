package dev.skyfn.nats.data;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.skyfn.core.data.Namespaces;
import dev.skyfn.core.data.NamespacesConformance;
import dev.skyfn.nats.OneServer;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** Ephemeral namespaces on a real JetStream bucket pass the tests every store of namespaces passes. */
class NatsNamespacesTest extends NamespacesConformance {

    @RegisterExtension
    static final OneServer server = new OneServer();

    @Override
    protected Namespaces store(LongSupplier nanos, long quotaBytesPerTenant, int maxValueBytes) {
        return new NatsNamespaces(server.engine(), server.engine().bucket(OneServer.freshName("ephemeral"), 1, Duration.ZERO), nanos,
                quotaBytesPerTenant, maxValueBytes, OneServer.SEALER);
    }

    @Test
    void aNamespaceThatCannotBeRemovedKeepsNoOtherFromExpiringAndIsTriedAgain() throws Exception {
        var clock = new AtomicLong(1_000);
        KeyValue bucket = server.engine().bucket(OneServer.freshName("ephemeral"), 1, Duration.ZERO);
        var store = new NatsNamespaces(server.engine(), bucket, clock::get, 100_000, 4_000, OneServer.SEALER);
        var log = new ListAppender<ILoggingEvent>();
        // events are appended from the code's own threads while the test reads them
        log.list = new java.util.concurrent.CopyOnWriteArrayList<>();
        log.start();
        var logger = (Logger) LoggerFactory.getLogger(NatsNamespaces.class);
        logger.addAppender(log);
        try {
            for (String path : List.of("/broken", "/a", "/b/part")) {
                store.open("acme", path, Duration.ofSeconds(10));
                store.put("acme", path, "empty", new byte[0]);
                store.put("acme", path, "full", "v".getBytes(StandardCharsets.UTF_8));
            }
            // written straight into the bucket: an item named with no base64url ("A"), a namespace's entry of 3 bytes, not 9
            String poison = "acme." + encode("/broken") + ".i.A";
            bucket.put(poison, "x".getBytes(StandardCharsets.UTF_8));
            bucket.put("acme." + encode("/garbled") + ".n", new byte[] {1, 2, 3});
            clock.addAndGet(Duration.ofSeconds(11).toNanos());

            store.expire();
            for (String path : List.of("/a", "/b/part")) {
                store.open("acme", path, Duration.ofMinutes(1));
                assertThat(store.keys("acme", path)).as(path + " expired, with its items").isEmpty();
            }
            assertThat(store.bytes("acme")).as("every item skyfn wrote was removed, the broken namespace's too").isZero();
            assertThat(bucket.get("acme." + encode("/broken") + ".n")).as("the broken namespace is left to try again").isNotNull();
            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains("/broken", "acme"))
                    .anySatisfy(m -> assertThat(m).contains("/garbled", "acme"));

            bucket.purge(poison);
            store.expire();
            assertThat(bucket.get("acme." + encode("/broken") + ".n")).as("removed once it could be").isNull();
            assertThat(server.engine().keysWithHistory(bucket, "*.*.n")).as("removed namespaces leave nothing the expiry reads again")
                    .containsExactlyInAnyOrder("acme." + encode("/a") + ".n", "acme." + encode("/b") + ".n", "acme." + encode("/b/part") + ".n",
                            "acme." + encode("/garbled") + ".n");
        } finally {
            logger.detachAppender(log);
        }
    }

    private static String encode(String path) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(path.getBytes(StandardCharsets.UTF_8));
    }
}
