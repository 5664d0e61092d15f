package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skyfn.api.Context;
import dev.skyfn.api.Handler;
import dev.skyfn.core.testing.JarBuilder;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bytes a function sends out of the node itself — not its answer — are metered: each confined
 * sandbox's network interface is counted, and its app billed the bytes as egress.
 */
@Tag("slow")
class EgressTest {

    /** Sends UDP datagrams to the host's address in slirp4netns's network, which drops them: bytes that left the sandbox all the same. */
    public static class Sends implements Handler<Integer, Integer> {
        @Override
        public Integer handle(Integer datagrams, Context ctx) throws Exception {
            try (var socket = new DatagramSocket()) {
                byte[] payload = new byte[1000];
                for (int i = 0; i < datagrams; i++) {
                    socket.send(new DatagramPacket(payload, payload.length, new InetSocketAddress("10.0.2.2", 9)));
                }
            }
            return datagrams;
        }
    }

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(TestNode.config(dir).ledgerHeadInterval(Duration.ofMillis(200)).build(), true);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void whatAFunctionSendsOutIsBilledToItsAppAsEgressNotAsACall() {
        assertThat(node.platform.node().confinement().outbound()).as("CI installs slirp4netns").isPresent();
        for (String app : new String[] {"talker", "quiet"}) {
            var deployed = node.deploy(JarBuilder.app("app: " + app + "\nfunctions: {sends: {handler: dev.skyfn.node.EgressTest$Sends}}")
                    .classes(Sends.class));
            assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        }
        // 50: more, sent before the gateway's address is resolved, would overflow the kernel's queue for it and never leave
        assertThat(node.invoke("talker", "sends", "50").statusCode()).isEqualTo(200);
        assertThat(node.invoke("quiet", "sends", "0").statusCode()).isEqualTo(200);

        // counted every 10 s: the datagrams leave the sandbox's interface as the network stack takes them, each with its
        // UDP, IP and Ethernet headers (1,042 bytes); on top, the ARP request that found the gateway (42 bytes)
        long all = 50 * 1_042L;
        JsonNode network = await().atMost(Duration.ofSeconds(60)).until(() -> line("talker/(network)"),
                l -> l != null && l.get("egressBytes").asLong() >= all);
        assertThat(network.get("egressBytes").asLong()).isLessThanOrEqualTo(all + 2 * 42);
        assertThat(network.get("calls").asLong()).as("bytes sent out are not a call").isZero();
        JsonNode call = line("talker/sends");
        assertThat(call.get("calls").asLong()).isEqualTo(1);
        assertThat(call.get("egressBytes").asLong()).as("the answer went to a caller in the node's own cloud").isZero();
        // an app that sent nothing sent nothing: the kernel's IPv6 chatter on a new interface never leaves the node
        assertThat(line("quiet/(network)")).isNull();
    }

    private static JsonNode line(String key) {
        JsonNode bill = Errors.json(node.get("/v1/bills")).get("bill");
        for (JsonNode l : bill.get("lines")) {
            if (l.get("key").asText().equals(key)) {
                return l;
            }
        }
        return null;
    }
}
