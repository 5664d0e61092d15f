package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The pool keeps the spares it is told to; a spare that does not boot is tried again, each failure
 * said with its attempt, and leaves no process behind.
 */
@Tag("slow")
class SparesTest {

    @TempDir
    Path runDir;

    @Test
    void aSpareThatDoesNotBootIsTriedThreeTimesAndNoneIsLeftRunning() {
        var log = new ListAppender<ILoggingEvent>();
        log.start();
        ((Logger) LoggerFactory.getLogger(SandboxPool.class)).addAppender(log);
        // held at its JVM's start, a sandbox never connects: every boot times out
        var launcher = new SandboxLauncher(runDir, runDir.resolve("cache"), Duration.ofMillis(300), 1 << 20, false,
                List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+PauseAtStartup"), new Confinement.None("a test"), Cgroups.none("a test"), (took, aot) -> {
                });
        var pool = new SandboxPool(launcher, 1);
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
        var launcher = new SandboxLauncher(runDir, runDir.resolve("cache"), Duration.ofSeconds(30), 1 << 20, false, List.of(),
                new Confinement.None("a test"), Cgroups.none("a test"), (took, aot) -> {
                });
        var pool = new SandboxPool(launcher, 3);
        try {
            pool.want(128);
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.idleCount() == 3);
            Sandbox taken = pool.take(128);
            assertThat(taken.state()).isEqualTo(Sandbox.State.IDLE);
            pool.refill();
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.idleCount() == 3);
            assertThat(pool.idleByHeap()).containsExactly(java.util.Map.entry(128, 3));
            taken.stop();
        } finally {
            pool.close();
            launcher.killAll();
        }
    }

    private static List<String> attempts(ListAppender<ILoggingEvent> log) {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("did not boot")).toList();
    }
}
