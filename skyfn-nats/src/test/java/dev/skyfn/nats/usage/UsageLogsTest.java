package dev.skyfn.nats.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.billing.TreeHead;
import dev.skyfn.nats.OneServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UsageLogsTest {

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path scratch;

    @RegisterExtension
    static final OneServer SERVER = new OneServer();

    @Test
    void everyEntryCopiedInRunsIsReadBackInLedgerOrderOnceEvenWhenARunIsCopiedTwice() {
        UsageLogs logs = UsageLogs.open(SERVER.engine());
        // runs of two: alice's entries 0-1, bob's 2-3, alice's 4-5, ...
        List<CompletableFuture<Void>> copies = IntStream.range(0, 1000)
                .mapToObj(r -> logs.copy("n1", 2L * r, r % 2 == 0 ? "alice" : "bob", List.of(leaf(2 * r), leaf(2 * r + 1)))).toList();
        copies.forEach(CompletableFuture::join);
        logs.copy("n1", 6, "bob", List.of(leaf(6), leaf(7))).join();

        List<UsageLogs.Entry> all = logs.entries("n1", null, 1);
        assertThat(all).extracting(UsageLogs.Entry::index).containsExactlyElementsOf(IntStream.range(0, 2000).mapToObj(i -> (long) i).toList());
        assertThat(all).extracting(e -> new String(e.leaf(), StandardCharsets.UTF_8))
                .containsExactlyElementsOf(IntStream.range(0, 2000).mapToObj(i -> "leaf " + i).toList());
        assertThat(logs.entries("n1", "alice", 1)).hasSize(1000).allSatisfy(e -> assertThat(e.index() % 4).isLessThan(2));

        long from = all.get(1500).sequence();
        assertThat(logs.entries(null, null, from)).extracting(UsageLogs.Entry::index).first().isEqualTo(1500L);
        assertThat(logs.entries(null, null, from)).hasSize(500);
    }

    @Test
    void entriesCopiedAgainInRunsCutDifferentlyCountOnceAndACopyThatDiffersIsAProblem() {
        UsageLogs logs = UsageLogs.open(SERVER.engine());
        FleetLedgers ledgers = new FleetLedgers(logs, scratch.resolve("a"));
        logs.key("n4", "key4");
        logs.copy("n4", 0, "alice", IntStream.range(0, 10).mapToObj(UsageLogsTest::leaf).toList()).join();
        // a node that died before saving how far it got copies again from where it had saved, cut otherwise
        logs.copy("n4", 5, "alice", IntStream.range(5, 15).mapToObj(UsageLogsTest::leaf).toList()).join();

        assertThat(ledgers.views()).filteredOn(v -> v.node().equals("n4")).singleElement().satisfies(v -> assertThat(v.size()).isEqualTo(15));
        assertThat(ledgers.problems()).isEmpty();

        logs.copy("n4", 14, "alice", List.of("forged".getBytes(StandardCharsets.UTF_8))).join();
        FleetLedgers reader = new FleetLedgers(logs, scratch.resolve("b"));
        reader.views();
        assertThat(reader.problems()).singleElement().asString().contains("n4").contains("entry 14 was copied twice, differently");
    }

    @Test
    void headsComeOldestFirstAndANodeWithNoneHasNoneAtOnce() {
        UsageLogs logs = UsageLogs.open(SERVER.engine());
        for (int size = 1; size <= 3; size++) {
            logs.head("n2", new TreeHead(size, 1000L * size, "00", "sig"));
        }
        logs.head("n2", new TreeHead(3, 3000, "00", "sig"));

        assertThat(logs.heads("n2")).extracting(TreeHead::size).containsExactly(1L, 2L, 3L);
        long start = System.nanoTime();
        assertThat(logs.heads("n3")).isEmpty();
        assertThat(logs.entries("n3", null, 1)).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms to read two empty logs").isLessThan(9000); // a read that waited for a message would take 10 s
    }

    private static byte[] leaf(int i) {
        return ("leaf " + i).getBytes(StandardCharsets.UTF_8);
    }
}
