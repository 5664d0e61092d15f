package dev.skyfn.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.mirror.Promotion;
import dev.skyfn.nats.mirror.StateMirror;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.servers.LocalNats;
import io.nats.client.KeyValue;
import io.nats.client.ObjectStore;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state cloud's streams and buckets are mirrored to a second cloud; when the whole state
 * cloud is lost, promoting the mirrors loses no write acknowledged once copied, and every bucket
 * keeps its name and its revisions.
 */
@Tag("slow")
@Tag("chaos")
class StateMirrorTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            state: home
            stateMirror: away
            clouds:
              home: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned}, nodes: {home-1: {}}}
              away: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {away-1: {}}}
              far: {provider: gcp, region: us-east1, pricing: {model: on-demand}, nodes: {far-1: {}}}
            users:
              eu: {home: 10, away: 5, far: 80}
            latency:
              home: {away: 10, far: 80}
              away: {far: 85}
            """.getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void promotingTheMirrorsAfterTheStateCloudIsLostKeepsEveryCopiedWriteAndItsRevision() throws Exception {
        try (LocalNats nats = LocalNats.start(TOPOLOGY, dir);
             Engine away = Engine.connect(nats.access("away", FleetSecrets.OPERATOR), "away", "home", 1, "away")) {
            KeyValue bucket = away.bucket("test-mirrored", 1, Duration.ZERO);
            Map<String, Long> revisions = new LinkedHashMap<>();
            for (int i = 0; i < 60; i++) {
                String key = "k" + (i % 20);
                long revision = bucket.put(key, ("v" + i).getBytes(StandardCharsets.UTF_8));
                away.awaitCopied("KV_test-mirrored", revision);
                revisions.put(key, revision);
            }
            bucket.delete("k0");
            revisions.remove("k0");
            away.awaitCopied("KV_test-mirrored");
            ObjectStore store = away.objectStore("test-blobs");
            byte[] blob = new byte[300_000];
            new java.util.Random(7).nextBytes(blob);
            store.put("blob", new ByteArrayInputStream(blob));
            away.awaitCopied("OBJ_test-blobs");
            away.stream("test-jobs", "test.jobs.>", RetentionPolicy.WorkQueue, Duration.ZERO, Duration.ofHours(1));
            var js = away.connection().jetStream(away.jsOptions());
            PublishAck last = null;
            for (int i = 0; i < 5; i++) {
                last = js.publish("test.jobs.a", ("job" + i).getBytes(StandardCharsets.UTF_8));
            }
            away.awaitCopied("test-jobs", last.getSeqno());
            var management = away.connection().jetStreamManagement(away.jsOptions());
            assertThat(management.getStreamNames()).contains(StateMirror.nameOf("KV_test-mirrored"), StateMirror.nameOf("OBJ_test-blobs"),
                    StateMirror.nameOf("test-jobs"));
            assertThat(management.getStreamInfo(StateMirror.nameOf("KV_test-mirrored")).getClusterInfo().getName()).isEqualTo("away");

            nats.kill("home");

            List<String> steps = new ArrayList<>();
            List<String> promoted = await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                    .until(() -> new Promotion(management, steps::add).promoteAll(), p -> !p.isEmpty());
            assertThat(promoted).containsExactlyInAnyOrder("KV_test-mirrored", "OBJ_test-blobs", "test-jobs");
            assertThat(management.getStreamNames()).noneMatch(n -> n.startsWith("MIRROR_"));

            for (var e : revisions.entrySet()) {
                var entry = bucket.get(e.getKey());
                assertThat(entry.getRevision()).as(e.getKey()).isEqualTo(e.getValue());
            }
            assertThat(bucket.get("k0")).isNull();
            assertThat(new String(bucket.get("k19").getValue(), StandardCharsets.UTF_8)).isEqualTo("v59");
            long next = bucket.update("k19", "after".getBytes(StandardCharsets.UTF_8), revisions.get("k19"));
            assertThat(next).isGreaterThan(revisions.get("k19"));
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            store.get("blob", read);
            assertThat(read.toByteArray()).isEqualTo(blob);
            var jobs = management.getStreamInfo("test-jobs");
            assertThat(jobs.getConfiguration().getRetentionPolicy()).isEqualTo(RetentionPolicy.WorkQueue);
            assertThat(jobs.getConfiguration().getSubjects()).containsExactly("test.jobs.>");
            assertThat(jobs.getClusterInfo().getName()).isEqualTo("away");
            assertThat(js.publish("test.jobs.b", "after".getBytes(StandardCharsets.UTF_8)).getSeqno()).isEqualTo(last.getSeqno() + 1);
        }
    }
}
