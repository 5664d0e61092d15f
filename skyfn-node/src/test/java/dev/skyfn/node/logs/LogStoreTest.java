package dev.skyfn.node.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.wire.LogLine;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LogStoreTest {

    private static final AppKey SHOP = new AppKey("acme", "shop");
    private static final AppKey BANK = new AppKey("acme", "bank");

    private static List<LogLine> lines(String function, int n) {
        return IntStream.range(0, n).mapToObj(i -> new LogLine("inv-" + i, function, LogLine.Kind.INFO, i, "line " + i)).toList();
    }

    @Test
    void filtersByFunctionAndInvocationAndFollowsBySequence() {
        var store = new LogStore(1 << 20, 1 << 30);
        store.append(SHOP, lines("order", 3));
        store.append(SHOP, lines("pay", 2));
        assertThat(store.read(SHOP, "pay", null, 0, 100)).extracting(e -> e.line().text()).containsExactly("line 0", "line 1");
        assertThat(store.read(SHOP, null, "inv-2", 0, 100)).extracting(e -> e.line().function()).containsExactly("order");
        long third = store.read(SHOP, null, null, 0, 100).get(2).seq();
        assertThat(store.read(SHOP, null, null, third, 100)).hasSize(2);
        assertThat(store.read(SHOP, null, null, 0, 2)).as("the most recent within the limit")
                .extracting(e -> e.line().function()).containsExactly("pay", "pay");
        assertThat(store.read(BANK, null, null, 0, 100)).isEmpty();
    }

    @Test
    void dropsTheOldestLinesPastTheLimitOfAnApp() {
        var store = new LogStore(10 * 80, 1 << 30);
        store.append(SHOP, lines("f", 100));
        List<LogStore.Entry> kept = store.read(SHOP, null, null, 0, 1000);
        assertThat(kept).hasSizeLessThan(100).isNotEmpty();
        assertThat(kept.getLast().line().text()).isEqualTo("line 99");
    }

    @Test
    void theAppThatTipsTheNodeOverItsLimitLosesHalfOfItsLines() {
        var store = new LogStore(1 << 20, 100 * 80);
        store.append(BANK, lines("f", 40));
        store.append(SHOP, lines("f", 100));
        assertThat(store.bytes()).isLessThanOrEqualTo(100 * 80);
        assertThat(store.read(BANK, null, null, 0, 1000)).as("the quiet app keeps its lines").hasSize(40);
        assertThat(store.read(SHOP, null, null, 0, 1000).getLast().line().text()).isEqualTo("line 99");
        store.forget(SHOP);
        store.forget(BANK);
        assertThat(store.bytes()).isZero();
    }
}
