package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HedgingTest {

    private static final AppKey APP = new AppKey("t", "a");

    @ParameterizedTest(name = "idempotent {0}, redundant {1}, async {2}, {3} nodes: {4}")
    @CsvSource({
            "true,  false, false, 2, true",
            "true,  false, false, 3, true",
            "false, false, false, 3, false",  // it may not run twice
            "true,  true,  false, 3, false",  // it runs on two nodes anyway
            "true,  false, true,  3, false",  // an async delivery runs once per invocation id
            "true,  false, false, 1, false",  // nowhere else to send it
    })
    void onlyCallsThatMayRunTwiceAndHaveASecondNodeAreHedged(boolean idempotent, boolean redundant, boolean async, int nodes,
                                                            boolean hedged) {
        assertThat(Hedging.hedgeable(idempotent, redundant, async, nodes)).isEqualTo(hedged);
    }

    /** Calls made, each wanting a hedge, and the most hedges the budget gives them: 5% of calls and no more. */
    @ParameterizedTest(name = "{0} calls: at most {1} hedges")
    @CsvSource({"19, 0", "20, 1", "100, 5", "1000, 50", "10000, 500"})
    void hedgesStayWithinFivePercentOfCalls(int calls, int most) {
        var budget = new Hedging.Budget(Hedging.BUDGET, Hedging.MOST_SAVED);
        int hedges = 0;
        for (int i = 0; i < calls; i++) {
            budget.earn();
            if (budget.take()) {
                hedges++;
            }
        }
        assertThat(hedges).isEqualTo(most);
    }

    @Test
    void aQuietSpellSavesUpTenHedgesAtMost() {
        var budget = new Hedging.Budget(Hedging.BUDGET, Hedging.MOST_SAVED);
        for (int i = 0; i < 10_000; i++) {
            budget.earn();
        }
        int burst = 0;
        while (budget.take()) {
            burst++;
        }
        assertThat(burst).isEqualTo(10);
    }

    @Test
    void aFunctionIsTimedByItsP95OnceItHasEnoughCalls() {
        var clock = new AtomicLong();
        var hedging = new Hedging(clock::get);
        for (int i = 1; i <= 100; i++) {
            clock.addAndGet(Duration.ofMillis(100).toNanos());
            hedging.called(APP, "f", Duration.ofMillis(i).toNanos(), true);
            if (i < Hedging.MIN_SAMPLES) {
                assertThat(hedging.delay(APP, "f")).as("after %d calls", i).isEmpty();
            }
        }
        clock.addAndGet(Duration.ofSeconds(3).toNanos());
        hedging.called(APP, "f", Duration.ofMillis(1).toNanos(), true);
        assertThat(hedging.delay(APP, "f")).hasValueSatisfying(d -> assertThat(d.toMillis()).isBetween(94L, 96L));
        assertThat(hedging.delay(APP, "other")).isEmpty();
        // twenty seconds on, the calls of before no longer count
        clock.addAndGet(Duration.ofSeconds(25).toNanos());
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(Duration.ofMillis(100).toNanos());
            hedging.called(APP, "f", Duration.ofMillis(2).toNanos(), true);
        }
        assertThat(hedging.delay(APP, "f")).hasValueSatisfying(d -> assertThat(d.toMillis()).isEqualTo(2));
    }

    @Test
    void aLateFirstCopyLosesToTheSecondAndAPromptOneIsNotCopied() throws Exception {
        var hedging = new Hedging(System::nanoTime);
        for (int i = 0; i < 40; i++) {
            hedging.called(APP, "f", 1, true); // earns two hedges
        }
        var never = new CountDownLatch(1);
        List<Boolean> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
        String won = hedging.race(() -> {
            await(never);
            return "first";
        }, () -> "second", Duration.ofMillis(20), r -> true, stopped::add);
        assertThat(won).isEqualTo("second");
        assertThat(hedging.hedged()).isEqualTo(1);
        assertThat(stopped).as("the first copy, still running, is stopped").containsExactly(true);

        assertThat(hedging.race(() -> "first", () -> "second", Duration.ofSeconds(5), r -> true, stopped::add)).isEqualTo("first");
        assertThat(hedging.hedged()).as("an answer within the delay is not hedged").isEqualTo(1);
        assertThat(stopped).as("nothing to stop when there was no second copy").hasSize(1);

        // a second copy that gives no answer does not win over a first one that does, late; it has ended, and is not stopped
        String kept = hedging.race(() -> {
            sleep(100);
            return "first";
        }, () -> null, Duration.ofMillis(10), r -> r != null, stopped::add);
        assertThat(kept).isEqualTo("first");
        assertThat(stopped).hasSize(1);
        never.countDown();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
