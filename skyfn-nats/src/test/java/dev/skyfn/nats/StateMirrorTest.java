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
            long[] alone = new long[60];
            long[] copied = new long[60];
            for (int i = 0; i < 60; i++) {
                String key = "k" + (i % 20);
                long start = System.nanoTime();
                long revision = bucket.put(key, ("v" + i).getBytes(StandardCharsets.UTF_8));
                alone[i] = System.nanoTime() - start;
                away.awaitCopied("KV_test-mirrored", revision);
                copied[i] = System.nanoTime() - start;
                revisions.put(key, revision);
            }
            java.util.Arrays.sort(alone);
            java.util.Arrays.sort(copied);
            System.err.printf("a bucket write: %.2f ms p50 acknowledged by the state cloud, %.2f ms p50 once its mirror holds it too%n",
                    alone[30] / 1e6, copied[30] / 1e6);
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
    @Test
    void writesGoOnWithoutTheirCopyWhileTheMirrorCloudIsGoneAndWaitForItAgainOnceItIsBack() throws Exception {
        try (LocalNats nats = LocalNats.start(TOPOLOGY, dir);
             Engine home = Engine.connect(nats.access("home", FleetSecrets.OPERATOR), "home", "home", 1, "away")) {
            KeyValue bucket = home.bucket("test-unmirrored", 1, Duration.ZERO);
            home.awaitCopied("KV_test-unmirrored", bucket.put("before", "1".getBytes(StandardCharsets.UTF_8)));

            nats.kill("away");
            long lost = System.nanoTime();

            // the first write after the loss waits until the mirror is found unreadable; the ones after it do not wait
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                home.awaitCopied("KV_test-unmirrored", bucket.put("during", "2".getBytes(StandardCharsets.UTF_8)));
                return true;
            });
            long start = System.nanoTime();
            System.err.printf("the mirror's cloud lost: the first write acknowledged %d ms after the loss%n", (start - lost) / 1_000_000);
            long longest = 0;
            for (int i = 0; i < 20; i++) {
                long one = System.nanoTime();
                home.awaitCopied("KV_test-unmirrored", bucket.put("during-" + i, "2".getBytes(StandardCharsets.UTF_8)));
                longest = Math.max(longest, System.nanoTime() - one);
            }
            // none waits for its copy: one that did would take the copy's limit of ten seconds
            assertThat(Duration.ofNanos(longest)).as("the longest of 20 writes while the mirror is gone").isLessThan(Duration.ofSeconds(5));

            System.err.printf("20 writes after it in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            long back = System.nanoTime();
            nats.restart("away");
            System.err.printf("the mirror's cloud restarted in %d ms%n", (System.nanoTime() - back) / 1_000_000);
            long last = bucket.put("after", "3".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                home.awaitCopied("KV_test-unmirrored", last);
                return home.connection().jetStreamManagement(home.jsOptions()).getStreamInfo(StateMirror.nameOf("KV_test-unmirrored"))
                        .getStreamState().getLastSequence() >= last;
            });
        }
    }
}
