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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state cloud keeps three copies of skyfn's state: losing one of its servers loses no
 * acknowledged write, and writes conditional on a revision race on them as on one copy.
 */
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
    private static final int WRITERS = 8;
    private static final int ROUNDS = 60;

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

    /**
     * A write conditional on a revision, raced by writers of one key: each loser is told its
     * revision is stale, whichever of the server's two answers it got — "wrong last sequence: N"
     * (10071), or, while another write of the key is still being replicated, "wrong last sequence"
     * without the number (10164) — and none fails.
     */
    @Test
    void ofWritersRacingAtOneRevisionExactlyOneWinsAndTheOthersAreToldItIsStale() throws Exception {
        try (LocalNats nats = LocalNats.start(TOPOLOGY, dir);
             Engine engine = Engine.connect(nats.access("home", FleetSecrets.OPERATOR), "home", "home", 3);
             ExecutorService writers = Executors.newFixedThreadPool(WRITERS)) {
            KeyValue bucket = engine.bucket("test-raced", 1, Duration.ZERO);
            assertThat(bucket.getStatus().getReplicas()).isEqualTo(3);
            long revision = bucket.put("key", bytes("start"));
            var barrier = new CyclicBarrier(WRITERS);
            for (int round = 0; round < ROUNDS; round++) {
                long at = revision;
                List<Future<Long>> raced = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    String value = "round " + round + " writer " + w;
                    raced.add(writers.submit(() -> {
                        barrier.await();
                        return Js.swap(bucket, "key", bytes(value), at);
                    }));
                }
                List<Long> won = new ArrayList<>();
                for (Future<Long> f : raced) {
                    long got = f.get(); // a failure here is a stale write not recognised as one
                    if (got != 0) {
                        won.add(got);
                    }
                }
                assertThat(won).as("round %d", round).hasSize(1);
                revision = won.getFirst();
                assertThat(bucket.get("key").getRevision()).isEqualTo(revision);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
