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

    @RegisterExtension
    static final OneServer SERVER = new OneServer();

    @Test
    void everyEntryCopiedIsReadBackInLedgerOrderOnceEvenWhenCopiedTwice() {
        UsageLogs logs = UsageLogs.open(SERVER.engine());
        List<CompletableFuture<Void>> copies = IntStream.range(0, 2000)
                .mapToObj(i -> logs.entry("n1", i, i % 2 == 0 ? "alice" : "bob", "r" + i, leaf(i))).toList();
        copies.forEach(CompletableFuture::join);
        logs.entry("n1", 7, "bob", "r7", leaf(7)).join();

        List<UsageLogs.Entry> all = logs.entries("n1", null, 1);
        assertThat(all).extracting(UsageLogs.Entry::index).containsExactlyElementsOf(IntStream.range(0, 2000).mapToObj(i -> (long) i).toList());
        assertThat(logs.entries("n1", "alice", 1)).hasSize(1000).allSatisfy(e -> assertThat(e.index() % 2).isZero());

        long from = all.get(1500).sequence();
        assertThat(logs.entries(null, null, from)).extracting(UsageLogs.Entry::index).first().isEqualTo(1500L);
        assertThat(logs.entries(null, null, from)).hasSize(500);
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
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms to read two empty logs").isLessThan(5000); // a read that waited for a message would take 10 s
    }

    private static byte[] leaf(int i) {
        return ("leaf " + i).getBytes(StandardCharsets.UTF_8);
    }
}
