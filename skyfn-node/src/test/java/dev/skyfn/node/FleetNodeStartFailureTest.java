package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.servers.LocalNats;
import dev.skyfn.node.cluster.ClusterNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node of a fleet that fails as it starts leaves nothing of itself running: no connection to NATS, no sandbox. */
@Tag("slow")
class FleetNodeStartFailureTest {

    @TempDir
    Path dir;

    @Test
    void aNodeWhosePortIsTakenFailsToStartAndLeavesNoConnectionToTheFleetAndNoProcessBehind() throws IOException {
        Topology topology = TopologyReader.read(TestNode.ONE_NODE_FLEET.getBytes(StandardCharsets.UTF_8));
        try (LocalNats nats = LocalNats.start(topology, dir.resolve("nats"));
             ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            java.util.Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
            int natsPort = URI.create(nats.access("a", "a-1").url()).getPort();
            var config = TestNode.config(dir.resolve("a-1")).port(taken.getLocalPort()).build();
            var cluster = TestNode.fleet(nats, topology, "a", "a-1", dev.skyfn.nats.seal.Sealer.none());

            assertThatThrownBy(() -> ClusterNode.start(config, cluster, true)).hasMessageContaining("cannot listen on 127.0.0.1:"
                    + taken.getLocalPort());

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(clientConnectionsTo(natsPort)).as("connections to the fleet's NATS server").isZero();
                assertThat(ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).toList())
                        .as("processes the node started").isEmpty();
            });
        }
    }

    /**
     * Connections the NATS server listening on the loopback address's {@code port} has accepted and
     * still holds: its end of each, in /proc/net/tcp (the server listens on IPv4; the JVM's own ends are IPv6 sockets).
     */
    private static long clientConnectionsTo(int port) {
        String local = String.format("0100007F:%04X", port);
        try {
            return Files.readAllLines(Path.of("/proc/net/tcp")).stream().skip(1).map(String::trim).map(l -> l.split("\\s+"))
                    .filter(f -> f[1].equals(local) && f[3].equals("01")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
