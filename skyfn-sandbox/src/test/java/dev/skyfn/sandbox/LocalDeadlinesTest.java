package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.api.FunctionCallException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LocalDeadlinesTest {

    private final List<String> hung = new CopyOnWriteArrayList<>();
    private final LocalDeadlines deadlines = new LocalDeadlines(Duration.ofMillis(50), hung::add);

    /** A grain that shrugs off every interrupt until {@code stop} opens. */
    private static Thread stubborn(CountDownLatch stop) {
        return Thread.ofVirtual().start(() -> {
            while (stop.getCount() > 0) {
                Thread.interrupted();
                Thread.onSpinWait();
            }
        });
    }

    @Test
    void failsACallPastItsDeadlineAndInterruptsItsGrain() throws Exception {
        var interrupted = new CountDownLatch(1);
        Thread grain = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        var result = new CompletableFuture<Object>();
        long now = System.nanoTime();
        deadlines.watch(now + 1_000_000, grain, result, "inv.1");
        deadlines.sweep(now + 2_000_000);
        assertThatThrownBy(result::join).hasCauseInstanceOf(FunctionCallException.class)
                .cause().satisfies(e -> assertThat(((FunctionCallException) e).code()).isEqualTo("FUNCTION_TIMEOUT"));
        interrupted.await();
        grain.join();
        deadlines.sweep(now + 1_000_000_000);
        assertThat(hung).isEmpty();
    }

    @Test
    void reportsAGrainThatIgnoresItsInterruptOnce() throws Exception {
        var stop = new CountDownLatch(1);
        Thread stubborn = stubborn(stop);
        var result = new CompletableFuture<Object>();
        long now = System.nanoTime();
        deadlines.watch(now, stubborn, result, "inv.2");
        deadlines.sweep(now);
        deadlines.sweep(now + 10_000_000);
        assertThat(hung).isEmpty();
        deadlines.sweep(now + 60_000_000);
        deadlines.sweep(now + 90_000_000);
        assertThat(hung).containsExactly("inv.2");
        stop.countDown();
    }

    @Test
    void reportsAGrainItsCallerGaveUpOnThatRunsOnPastTheGrace() {
        var stop = new CountDownLatch(1);
        Thread stubborn = stubborn(stop);
        var result = new CompletableFuture<Object>();
        deadlines.watch(System.nanoTime() + 3_600_000_000_000L, stubborn, result, "inv.4");
        long cancelled = System.nanoTime();
        result.cancel(true); // its execution cancelled, an hour before the call's deadline
        deadlines.sweep(cancelled + 10_000_000);
        assertThat(hung).isEmpty();
        deadlines.sweep(cancelled + 200_000_000);
        assertThat(hung).containsExactly("inv.4");
        stop.countDown();
    }

    @Test
    void forgetsCallsThatEnd() {
        var result = new CompletableFuture<Object>();
        deadlines.watch(System.nanoTime() + 1_000_000_000, Thread.currentThread(), result, "inv.3");
        assertThat(deadlines.pendingCount()).isEqualTo(1);
        result.complete("done");
        assertThat(deadlines.pendingCount()).isZero();
    }
}
