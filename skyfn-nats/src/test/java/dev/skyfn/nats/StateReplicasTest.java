package dev.skyfn.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.servers.LocalNats;
import io.nats.client.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state cloud keeps three copies of skyfn's state: losing one of its servers loses no acknowledged write. */
@Tag("slow")
@Tag("chaos")
class StateReplicasTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            state: home
            stateReplicas: 3
            clouds:
              home: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned}, nodes: {home-1: {}}}
              away: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {away-1: {}}}
            users:
              eu: {home: 10, away: 5}
            latency:
              home: {away: 10}
            """.getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void writesAcknowledgedBeforeOneStateServerDiesAreAllReadAfterAndWritesGoOn() throws Exception {
        try (LocalNats nats = LocalNats.start(TOPOLOGY, dir);
             Engine away = Engine.connect(nats.access("away", FleetSecrets.OPERATOR), "away", "home", 3)) {
            assertThat(nats.url("home").split(",")).hasSize(3);
            KeyValue bucket = away.bucket("test-replicated", 1, Duration.ZERO);
            assertThat(bucket.getStatus().getReplicas()).isEqualTo(3);
            for (int i = 0; i < 100; i++) {
                bucket.put("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
            }

            nats.kill("home", 0);

            // the two servers left elect new leaders first: seconds on an idle machine, far longer when its CPUs are taken
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                    .until(() -> bucket.put("after", "yes".getBytes(StandardCharsets.UTF_8)) > 0);
            for (int i = 0; i < 100; i++) {
                assertThat(new String(bucket.get("k" + i).getValue(), StandardCharsets.UTF_8)).isEqualTo("v" + i);
            }
            assertThat(new String(bucket.get("after").getValue(), StandardCharsets.UTF_8)).isEqualTo("yes");
        }
    }
}
