package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The pool keeps the spares it is told to, more while cold starts are frequent (within its memory
 * budget), and stops those beyond that once they are not; a spare that does not boot is tried
 * again, each failure said with its attempt, and leaves no process behind.
 */
@Tag("slow")
class SparesTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path runDir;

    @Test
    void aSpareThatDoesNotBootIsTriedThreeTimesAndNoneIsLeftRunning() {
        var log = new ListAppender<ILoggingEvent>();
        // events are appended from the code's own threads while the test reads them
        log.list = new java.util.concurrent.CopyOnWriteArrayList<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(SandboxPool.class)).addAppender(log);
        // held at its JVM's start, a sandbox never connects: every boot times out
        var launcher = launcher(Duration.ofMillis(300), List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+PauseAtStartup"));
        var pool = new SandboxPool(launcher, 1, GIB, false);
        try {
            pool.want(128);
            await().atMost(Duration.ofSeconds(30)).until(() -> attempts(log).size() == 3);
            assertThat(attempts(log)).satisfiesExactly(
                    first -> assertThat(first).contains("(attempt 1 of 3)").contains("did not connect").endsWith("trying again"),
                    second -> assertThat(second).contains("(attempt 2 of 3)"),
                    third -> assertThat(third).contains("(attempt 3 of 3)").endsWith("the next call that needs one boots it"));
            assertThat(pool.idleCount()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().descendants()
                    .noneMatch(p -> p.info().commandLine().orElse("").contains("SandboxMain")));
        } finally {
            pool.close();
            launcher.killAll();
        }
    }

    @Test
    void thePoolKeepsAsManySparesAsItIsToldForOneHeapSize() {
        var launcher = launcher(Duration.ofSeconds(30), List.of());
        var pool = new SandboxPool(launcher, 3, GIB, false);
        try {
            pool.want(128);
            assertThat(pool.target()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.idleCount() == 3);
            Sandbox taken = pool.take(128, false);
            assertThat(taken.state()).isEqualTo(Sandbox.State.IDLE);
            assertThat(pool.target()).as("one cold start in ten seconds is well within the floor").isEqualTo(3);
            pool.refill();
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.idleCount() == 3);
            assertThat(pool.idleByHeap()).containsExactly(java.util.Map.entry(128, 3));
            taken.stop();
        } finally {
            pool.close();
            launcher.killAll();
        }
    }

    @Test
    void aSizeTheNodeMayServeKeepsASpareWithoutTakingTheFirstPlaceFromItsOwnApps() {
        var launcher = launcher(Duration.ofSeconds(30), List.of());
        var pool = new SandboxPool(launcher, 3, GIB, false);
        try {
            pool.want(160);
            pool.mayWant(128);
            pool.mayWant(128);
            pool.want(160);
            await().atMost(Duration.ofSeconds(90)).until(() -> pool.idleCount() == 3);
            assertThat(pool.idleByHeap()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(160, 2, 128, 1));
        } finally {
            pool.close();
            launcher.killAll();
        }
    }

    @Test
    void aColdStartKeepsASpareReadyAboveTheFloorUntilItsWindowHasPassed() {
        var launcher = launcher(Duration.ofSeconds(30), List.of());
        var clock = new AtomicLong();
        // room for exactly one spare of 128 MiB (256 MiB by its memory limit)
        var pool = new SandboxPool(launcher, 0, 256L << 20, false, clock::get);
        try {
            pool.want(128);
            assertThat(pool.target()).isZero();

            Sandbox taken = pool.take(128, false);
            assertThat(pool.target()).as("a cold start on a pool with no spares").isEqualTo(1);
            pool.refill();
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.idleCount() == 1);
            assertThat(sandboxProcesses()).isEqualTo(2);

            clock.addAndGet(SpareDemand.WINDOW.toNanos());
            assertThat(pool.target()).isZero();
            // nothing is called once the burst is over: the pool's own timer stops the spare
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.idleCount() == 0 && sandboxProcesses() == 1);
            taken.stop();
        } finally {
            pool.close();
            launcher.killAll();
        }
    }

    private static long sandboxProcesses() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("SandboxMain")).count();
    }

    private static List<String> attempts(ListAppender<ILoggingEvent> log) {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("did not boot")).toList();
    }

    /** A launcher of unconfined, unlimited sandboxes, without the AOT cache. */
    private SandboxLauncher launcher(Duration bootTimeout, List<String> jvmOptions) {
        return new SandboxLauncher(runDir, runDir.resolve("cache"), bootTimeout, 1 << 20, false, jvmOptions,
                new Confinement.None("a test"), Cgroups.none("a test"), (took, aot, warmth) -> {
                });
    }
}
