package dev.skyfn.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.servers.LocalNats;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edge site attached to two clouds stays in the fleet when the nearer one is lost. Three hub
 * clouds, so that JetStream's meta group keeps its quorum when one goes.
 */
@Tag("slow")
@Tag("chaos")
class EdgeFailoverTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            state: home
            clouds:
              near: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {near-1: {}}}
              home: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned}, nodes: {home-1: {}}}
              far: {provider: gcp, region: us-east1, pricing: {model: on-demand}, nodes: {far-1: {}}}
              edge: {provider: private, region: paris, edge: true, pricing: {model: owned}, nodes: {edge-1: {}}}
            users:
              eu: {near: 10, home: 15, far: 90, edge: 4}
            latency:
              near: {home: 10, far: 80, edge: 5}
              home: {far: 85, edge: 12}
              far: {edge: 86}
            """.getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void anEdgeSiteReachesTheFleetAndItsStateThroughItsSecondCloudWhenItsNearestIsLost() throws Exception {
        try (LocalNats nats = LocalNats.start(TOPOLOGY, dir);
             Engine home = Engine.connect(nats.access("home", FleetSecrets.OPERATOR), "home", "home");
             Engine edge = Engine.connect(nats.access("edge", FleetSecrets.OPERATOR), "edge")) {
            Dispatcher responder = home.connection().createDispatcher(m -> home.connection().publish(m.getReplyTo(),
                    "home".getBytes(StandardCharsets.UTF_8)));
            responder.subscribe("svc.where");
            KeyValue written = home.bucket("test-edge", 1, Duration.ZERO);
            written.put("k", "before".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> "home".equals(askOrNothing(edge.connection())));
            // through its nearest cloud, which does not hold the bucket: the entry comes from the bucket's cluster
            assertThat(new String(edge.bucket("test-edge", 1, Duration.ZERO).get("k").getValue(), StandardCharsets.UTF_8))
                    .isEqualTo("before");

            nats.kill("near");

            await().atMost(Duration.ofSeconds(30)).until(() -> "home".equals(askOrNothing(edge.connection())));
            written.put("k", "after".getBytes(StandardCharsets.UTF_8));
            // JetStream's meta group may be electing a new leader among the two clouds left: its API answers again after that
            KeyValue read = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> edge.bucket("test-edge", 1, Duration.ZERO), java.util.Objects::nonNull);
            assertThat(new String(read.get("k").getValue(), StandardCharsets.UTF_8)).isEqualTo("after");
        }
    }

    private static String askOrNothing(Connection c) {
        try {
            return new String(c.request("svc.where", new byte[0], Duration.ofSeconds(2)).getData(), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return null;
        }
    }
}
