package dev.skyfn.nats.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skyfn.nats.OneServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AppRecordsTest {

    @RegisterExtension
    static final OneServer server = new OneServer();

    private static AppRecords records() {
        return new AppRecords(server.engine(), server.engine().bucket(OneServer.freshName("apps"), 1, Duration.ZERO));
    }

    private static AppRecord shop(int version, String... nodes) {
        return new AppRecord("acme", "shop", version, "ab" + version, 10, 1000L * version, 1000L,
                java.util.Arrays.stream(nodes).map(n -> new AppRecord.Replica("c", n, 256)).toList(),
                new AppRecord.Change(1000L * version, "deployed"), null);
    }

    @Test
    void aRecordWrittenBeforeTheAppsCreationWasKeptReadsAsNotKnowingIt() {
        AppRecord old = AppRecords.read("""
                {"tenant":"acme","app":"shop","version":3,"sha256":"ab","sizeBytes":10,"deployedAtMillis":5000,
                 "replicas":[{"cloud":"c","node":"n1","memoryMb":256}],"change":null,"pinnedTo":null}""".getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        assertThat(old.createdAtMillis()).isZero();
        assertThat(old.deployedAtMillis()).isEqualTo(5000);
        assertThat(AppRecords.read(AppRecords.json(shop(2, "n1")))).isEqualTo(shop(2, "n1"));
    }

    @Test
    void onlyOneOfTwoWritersFromTheSameRevisionWins() {
        AppRecords records = records();
        assertThat(records.write(shop(1, "n1"), 0)).isTrue();
        assertThat(records.write(shop(1, "n2"), 0)).as("a second first deployment").isFalse();
        long revision = records.get("acme", "shop").orElseThrow().revision();
        assertThat(records.write(shop(2, "n1"), revision)).isTrue();
        assertThat(records.write(shop(2, "n3"), revision)).as("a stale redeployment").isFalse();
        assertThat(records.get("acme", "shop").orElseThrow().record()).isEqualTo(shop(2, "n1"));
    }

    @Test
    void aWatcherSeesTheLatestRecordWhenChangesOutrunIt() throws Exception {
        AppRecords records = records();
        records.write(shop(1, "n1"), 0);
        for (int version = 2; version <= 20; version++) {
            records.write(shop(version, "n" + version), records.get("acme", "shop").orElseThrow().revision());
        }
        List<Integer> versions = new CopyOnWriteArrayList<>();
        try (AutoCloseable watch = records.watch(new AppRecords.Watcher() {
            @Override
            public void put(AppRecord record) {
                versions.add(record.version());
            }

            @Override
            public void removed(String tenant, String app) {
                versions.add(-1);
            }
        })) {
            records.write(shop(21, "n21"), records.get("acme", "shop").orElseThrow().revision());
            await().atMost(Duration.ofSeconds(30)).until(() -> versions.contains(21));
            assertThat(versions).as("versions seen, never one going back").isSorted().doesNotHaveDuplicates()
                    .doesNotContain(-1).last().isEqualTo(21);
        }
    }

    @Test
    void watchersSeeRecordsThenChangesThenRemovals() throws Exception {
        AppRecords records = records();
        records.write(shop(1, "n1"), 0);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable watch = records.watch(new AppRecords.Watcher() {
            @Override
            public void put(AppRecord record) {
                seen.add("v" + record.version() + " on " + record.replicas().getFirst().node());
            }

            @Override
            public void removed(String tenant, String app) {
                seen.add("removed " + tenant + "/" + app);
            }
        })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("v1 on n1"));
            records.write(shop(2, "n2"), records.get("acme", "shop").orElseThrow().revision());
            // The bucket keeps one value per app: a change superseded before the watcher got it is
            // skipped, so the test lets each change arrive before making the next.
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("v2 on n2"));
            records.remove("acme", "shop");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(seen).containsExactly("v1 on n1", "v2 on n2", "removed acme/shop"));
        }
        assertThat(records.all()).isEmpty();
    }
}
