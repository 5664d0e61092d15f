package dev.skyfn.node.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.node.NodeScheduler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node taking over a dead node's executions from the copy of its log: the ended ones are kept, as they ended. */
class AdoptionTest {

    private static final AppKey SHOP = new AppKey("acme", "shop");
    private static final AppKey OTHER = new AppKey("acme", "other");

    @TempDir
    Path dir;

    /** The copy of a node's log, as another node reads it back. */
    static final class Copy implements ExecutionBackups {
        final List<byte[]> records = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<Void> append(String tenant, byte[] record) {
            records.add(record);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void rewrite(List<Record> all) {
            records.clear();
            all.forEach(r -> records.add(r.bytes()));
        }

        @Override
        public synchronized List<byte[]> own() {
            return List.copyOf(records);
        }
    }

    private static Execution ended(Copy copy, ExecutionLog log, String id, AppKey app, Instant at) {
        var e = new Execution(id, app, "checkout", "{}".getBytes(StandardCharsets.UTF_8), at.minusSeconds(1), null);
        log.started(e).join();
        e.finish(new Execution.End(Execution.Status.SUCCEEDED, at, "{\"paid\":true}".getBytes(StandardCharsets.UTF_8), "", "", ""));
        log.ended(e).join();
        return e;
    }

    @Test
    void endedExecutionsOfADeadNodeAreKeptWithTheirOutputUnlessPastRetentionOrNotThisNodes() {
        var copy = new Copy();
        Instant now = Instant.now();
        try (var deadNodesLog = ExecutionLog.open(dir.resolve("dead.log"), new LinkedHashMap<>(), copy)) {
            ended(copy, deadNodesLog, "recent", SHOP, now);
            ended(copy, deadNodesLog, "old", SHOP, now.minus(Duration.ofDays(2)));
            ended(copy, deadNodesLog, "elsewhere", OTHER, now);
        }
        try (var scheduler = new NodeScheduler();
             var heir = new Executions(dir.resolve("heir"), null, scheduler, 1 << 20, Duration.ofDays(1), 100)) {
            int running = heir.adopt("dead", copy.records, SHOP::equals);

            assertThat(running).isZero();
            Execution kept = heir.get("acme", "recent").orElseThrow();
            assertThat(kept.status()).isEqualTo(Execution.Status.SUCCEEDED);
            assertThat(new String(kept.end().output(), StandardCharsets.UTF_8)).isEqualTo("{\"paid\":true}");
            assertThat(kept.done()).isCompleted();
            assertThat(heir.get("acme", "old")).as("ended before the heir's retention").isEmpty();
            assertThat(heir.get("acme", "elsewhere")).as("an app another node claimed").isEmpty();

            assertThat(heir.adopt("dead", copy.records, SHOP::equals)).as("adopted once").isZero();
            assertThat(heir.list(SHOP, null, null, 10)).hasSize(1);
        }
    }

    @Test
    void aNodeHandedAnAppsExecutionsKeepsThoseThatEndedThereTooForTheHandingNodeMayLeave() {
        var copy = new Copy();
        Instant now = Instant.now();
        try (var leaving = ExecutionLog.open(dir.resolve("leaving.log"), new LinkedHashMap<>(), copy)) {
            ended(copy, leaving, "done", SHOP, now);
            ended(copy, leaving, "not-handed", OTHER, now);
        }
        try (var scheduler = new NodeScheduler();
             var heir = new Executions(dir.resolve("heir"), null, scheduler, 1 << 20, Duration.ofDays(1), 100)) {
            assertThat(heir.takeHandedOver("leaving", copy.records, SHOP)).as("none was running").isZero();
            assertThat(heir.get("acme", "done")).as("its outcome outlives the node it ended on").isPresent()
                    .get().extracting(Execution::status).isEqualTo(Execution.Status.SUCCEEDED);
            assertThat(heir.get("acme", "not-handed")).as("only the app handed over").isEmpty();
        }
    }

    @Test
    void aNodeWhoseLogIsGoneRestoresItsExecutionsFromTheCopyOnce() {
        var copy = new Copy();
        Instant now = Instant.now();
        try (var lostLog = ExecutionLog.open(dir.resolve("lost/executions.log"), new LinkedHashMap<>(), copy)) {
            ended(copy, lostLog, "recent", SHOP, now);
            ended(copy, lostLog, "old", SHOP, now.minus(Duration.ofDays(2)));
            ended(copy, lostLog, "other", OTHER, now);
        }
        int copied = copy.records.size();
        // a new machine given the node's name: a fresh disk, the copy in the fleet
        try (var scheduler = new NodeScheduler();
             var fresh = new Executions(dir.resolve("fresh"), null, scheduler, 1 << 20, Duration.ofDays(1), 100, copy, ExecutionOwners.SOLE)) {
            Execution kept = fresh.get("acme", "recent").orElseThrow();
            assertThat(kept.status()).isEqualTo(Execution.Status.SUCCEEDED);
            assertThat(new String(kept.end().output(), StandardCharsets.UTF_8)).isEqualTo("{\"paid\":true}");
            assertThat(fresh.get("acme", "other")).as("every app's: the node's own log").isPresent();
            assertThat(fresh.get("acme", "old")).as("ended before the retention").isEmpty();
            assertThat(copy.records).as("the copy holds them already: nothing copied twice").hasSize(copied);
        }
        // started again on the same disk: its own log has them now, the copy is not read again
        copy.records.clear();
        try (var scheduler = new NodeScheduler();
             var again = new Executions(dir.resolve("fresh"), null, scheduler, 1 << 20, Duration.ofDays(1), 100, copy, ExecutionOwners.SOLE)) {
            assertThat(again.get("acme", "recent")).isPresent();
            assertThat(again.list(SHOP, null, null, 10)).hasSize(1);
        }
    }
}
