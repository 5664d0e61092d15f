package dev.skyfn.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.data.NatsKeyValue;
import dev.skyfn.nats.nodes.Heartbeat;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.nodes.NodeReport;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.servers.LocalNats;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.KeyValue;
import java.util.Optional;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example topology's NATS servers as real processes: three clouds' clusters and an edge leaf. */
@Tag("slow")
class SuperclusterTest {

    @TempDir
    static Path dir;
    static LocalNats nats;

    @BeforeAll
    static void start() throws Exception {
        Topology topology = TopologyReader.read(Files.readAllBytes(Path.of("../examples/topology/four-clouds.yaml")));
        nats = LocalNats.start(topology, dir);
    }

    @AfterAll
    static void stop() {
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void everyCloudAndTheEdgeSiteHasItsOwnServer() {
        assertThat(nats.urls()).containsOnlyKeys("spot-eu", "ondemand-us", "private", "edge-paris");
        assertThat(nats.urls().values()).doesNotHaveDuplicates();
    }

    @Test
    void aClientWithoutItsOwnCredentialsIsRefused() throws Exception {
        String url = nats.url("private");
        Path ca = nats.secrets().ca();
        assertThat(url).startsWith("tls://");
        assertThatThrownBy(() -> Engine.connect(new NatsAccess(url, Optional.empty(), Optional.of(ca)), "anonymous"))
                .as("no credentials").hasMessageContaining("Authorization Violation");
        Path stranger = dir.resolve("stranger.nk");
        Files.writeString(stranger, new String(Nkeys.newUser().getSeed()));
        assertThatThrownBy(() -> Engine.connect(new NatsAccess(url, Optional.of(stranger), Optional.of(ca)), "stranger"))
                .as("an nkey the fleet did not make").hasMessageContaining("Authorization Violation");
        assertThatThrownBy(() -> Engine.connect(nats.access("private", "spot-eu-1"), "spot-eu-1"))
                .as("a node of another cloud").hasMessageContaining("Authorization Violation");
        String plain = url.replace("tls://", "nats://");
        assertThatThrownBy(() -> Engine.connect(new NatsAccess(plain, Optional.of(nats.secrets().seed(FleetSecrets.OPERATOR)),
                Optional.empty()), "plain")).as("without TLS").isInstanceOf(java.io.UncheckedIOException.class);
        assertThatThrownBy(() -> Engine.connect(new NatsAccess(url, Optional.of(nats.secrets().seed(FleetSecrets.OPERATOR)),
                Optional.empty()), "untrusting")).as("TLS to a server the client cannot check").isInstanceOf(java.io.UncheckedIOException.class);
        try (Engine own = Engine.connect(nats.access("private", "private-1"), "private-1")) {
            assertThat(own.connection().getStatus()).isEqualTo(Connection.Status.CONNECTED);
        }
    }

    @Test
    void theServersConfigurationsAdmitNoAnonymousUserAndNoSharedPassword() throws Exception {
        for (String cloud : nats.urls().keySet()) {
            String config = Files.readString(dir.resolve(cloud).resolve("nats.conf"));
            assertThat(config).as(cloud).doesNotContain("no_auth_user").doesNotContain("password: sys").doesNotContain("skyfn:skyfn")
                    .contains("SYS { users: [{nkey: U").contains("tls {");
        }
        assertThat(Files.getPosixFilePermissions(nats.secrets().seed(FleetSecrets.OPERATOR)))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void aQueueGroupAnswersFromTheCallersCloudAndFailsOverToAnother() throws Exception {
        try (Engine priv = Engine.connect(nats.access("private", FleetSecrets.OPERATOR), "private"); Engine us = Engine.connect(nats.access("ondemand-us", FleetSecrets.OPERATOR), "us");
             Engine edge = Engine.connect(nats.access("edge-paris", FleetSecrets.OPERATOR), "edge")) {
            Dispatcher inPrivate = respond(priv.connection(), "private");
            respond(us.connection(), "ondemand-us");
            awaitInterest(edge.connection(), "svc.echo");
            assertThat(ask(priv.connection())).isEqualTo("private");
            assertThat(ask(us.connection())).isEqualTo("ondemand-us");
            priv.connection().closeDispatcher(inPrivate);
            priv.connection().flush(Duration.ofSeconds(2));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(askOrNothing(priv.connection())).isEqualTo("ondemand-us"));
            assertThat(ask(edge.connection())).isEqualTo("ondemand-us");
        }
    }

    @Test
    void bucketsAreSharedByEveryCloudAndTheEdgeSite() throws Exception {
        try (Engine spot = Engine.connect(nats.access("spot-eu", FleetSecrets.OPERATOR), "spot"); Engine edge = Engine.connect(nats.access("edge-paris", FleetSecrets.OPERATOR), "edge")) {
            KeyValue written = spot.bucket("test-shared", 1, Duration.ZERO);
            KeyValue read = edge.bucket("test-shared", 1, Duration.ZERO);
            List<String> seen = new CopyOnWriteArrayList<>();
            read.watchAll(new io.nats.client.api.KeyValueWatcher() {
                @Override
                public void watch(io.nats.client.api.KeyValueEntry e) {
                    seen.add(e.getKey() + "=" + e.getValueAsString());
                }

                @Override
                public void endOfData() {
                }
            });
            written.put("greeting", "hello from spot-eu");
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("greeting=hello from spot-eu"));
            assertThat(read.get("greeting").getValueAsString()).isEqualTo("hello from spot-eu");
        }
    }

    @Test
    void stateWrittenInOneCloudIsReadAtOnceInAnotherAndAtTheEdge() {
        try (Engine spot = Engine.connect(nats.access("spot-eu", FleetSecrets.OPERATOR), "spot"); Engine us = Engine.connect(nats.access("ondemand-us", FleetSecrets.OPERATOR), "us");
             Engine edge = Engine.connect(nats.access("edge-paris", FleetSecrets.OPERATOR), "edge")) {
            var written = NatsKeyValue.open(spot, 1 << 20, 1 << 16, OneServer.SEALER);
            var readInUs = NatsKeyValue.open(us, 1 << 20, 1 << 16, OneServer.SEALER);
            var readAtEdge = NatsKeyValue.open(edge, 1 << 20, 1 << 16, OneServer.SEALER);
            for (int i = 0; i < 20; i++) {
                byte[] value = ("v" + i).getBytes(StandardCharsets.UTF_8);
                written.put("acme/shop", "colour", value);
                assertThat(readInUs.get("acme/shop", "colour")).as("round " + i).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
                assertThat(readAtEdge.get("acme/shop", "colour")).hasValueSatisfying(v -> assertThat(v).isEqualTo(value));
            }
        }
    }

    @Test
    void aNodeThatStopsBeatingIsDeadWithinTheBoundAndOneThatLeavesIsGone() {
        Duration deadAfter = Duration.ofMillis(600);
        try (Engine control = Engine.connect(nats.access("private", FleetSecrets.OPERATOR), "control"); Engine a = Engine.connect(nats.access("spot-eu", FleetSecrets.OPERATOR), "a");
             Engine b = Engine.connect(nats.access("edge-paris", FleetSecrets.OPERATOR), "b"); NodeDirectory directory = NodeDirectory.watch(control, deadAfter)) {
            Heartbeat spot = NodeDirectory.beat(a, Duration.ofMillis(100),
                    () -> new NodeReport("spot-eu-1", "spot-eu", "http://127.0.0.1:1", 4096, 0.1, List.of("t/app")));
            Heartbeat edgeNode = NodeDirectory.beat(b, Duration.ofMillis(100),
                    () -> new NodeReport("edge-paris-1", "edge-paris", "http://127.0.0.1:2", 1024, 0, List.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> directory.members().stream().filter(NodeDirectory.Member::alive).count() == 2);
            assertThat(directory.member("spot-eu-1").orElseThrow().report().apps()).containsExactly("t/app");

            spot.stop();
            // the bound: its silence, plus what a loaded machine adds (an observer that stalled waits the silence out again)
            await().atMost(deadAfter.multipliedBy(15)).until(() -> !directory.member("spot-eu-1").orElseThrow().alive());
            assertThat(directory.member("edge-paris-1").orElseThrow().alive()).isTrue();

            edgeNode.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> directory.member("edge-paris-1").isEmpty());
        }
    }

    private static Dispatcher respond(Connection c, String cloud) throws Exception {
        Dispatcher d = c.createDispatcher(m -> c.publish(m.getReplyTo(), cloud.getBytes(StandardCharsets.UTF_8)));
        d.subscribe("svc.echo", "svc");
        c.flush(Duration.ofSeconds(2));
        return d;
    }

    private static void awaitInterest(Connection c, String subject) {
        await().atMost(Duration.ofSeconds(10)).until(() -> askOrNothing(c) != null);
    }

    private static String ask(Connection c) throws Exception {
        return new String(c.request("svc.echo", new byte[0], Duration.ofSeconds(2)).getData(), StandardCharsets.UTF_8);
    }

    private static String askOrNothing(Connection c) {
        try {
            return ask(c);
        } catch (Exception e) {
            return null;
        }
    }
}
