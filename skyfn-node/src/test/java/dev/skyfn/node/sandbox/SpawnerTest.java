package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A confined sandbox outlives the thread that asked for it. bubblewrap kills its sandbox when its
 * parent goes, and Linux takes the parent to be the thread that started it: a sandbox booted by a
 * load on a virtual thread's carrier, or by the spares' refill thread, died with SIGKILL when that
 * thread ended (a carrier retiring after 30 s idle; the pool stopping).
 */
@Tag("slow")
class SpawnerTest {

    @TempDir
    Path runDir;

    @Test
    void aConfinedSandboxOutlivesTheThreadThatBootedIt() throws Exception {
        Confinement confinement = Confinement.detect(64L << 20, "spawner-test");
        Assumptions.assumeTrue(confinement instanceof Confinement.Bubblewrap, "bubblewrap confines sandboxes here");
        var launcher = new SandboxLauncher(runDir, runDir.resolve("cache"), Duration.ofSeconds(30), 1 << 20, false, List.of(), confinement,
                Cgroups.none("a test"), (took, aot, warmth) -> {
                });
        try {
            var booted = new AtomicReference<Sandbox>();
            Thread asker = Thread.ofPlatform().start(() -> booted.set(launcher.boot(128, Sandbox.Owner.NONE, SandboxLauncher.Warmth.COLD)));
            asker.join();
            assertThat(booted.get()).as("booted").isNotNull();
            // killed, it would be at once: the signal comes as the thread ends
            assertThatThrownBy(() -> booted.get().whenDead().get(2, TimeUnit.SECONDS)).as("still alive after its thread ended")
                    .isInstanceOf(TimeoutException.class);
        } finally {
            launcher.killAll();
        }
    }
}
