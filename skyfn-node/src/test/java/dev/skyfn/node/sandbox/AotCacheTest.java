package dev.skyfn.node.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotCacheTest {

    @TempDir
    Path dir;

    @Test
    void removesTheCachesOfOtherBuildsAndTheTrainingLeftoversOfDeadProcesses() throws Exception {
        Path jar = Files.writeString(dir.resolve("runtime.jar"), "a jar");
        Path caches = Files.createDirectories(dir.resolve("cache"));
        AotCache cache = AotCache.of(caches, List.of(jar)).orElseThrow();
        Files.writeString(cache.file(), "this build's cache");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path older = Files.writeString(caches.resolve("sandbox-0123456789abcdef.aot"), "an older build's cache");
        Path deadTraining = Files.writeString(caches.resolve("sandbox-0123456789abcdef.aot." + gone.pid() + ".training.aot"), "");
        // the JDK writes the training run's configuration beside its output first
        Path deadConfig = Files.writeString(caches.resolve("sandbox-0123456789abcdef.aot." + gone.pid() + ".training.aot.config"), "");
        Path liveTraining = Files.writeString(caches.resolve("sandbox-0123456789abcdef.aot."
                + ProcessHandle.current().pid() + ".training.aot"), "");
        Path unrelated = Files.writeString(caches.resolve("notes.txt"), "not a cache");

        cache.removeStale();

        assertThat(cache.file()).isRegularFile();
        assertThat(older).doesNotExist();
        assertThat(deadTraining).doesNotExist();
        assertThat(deadConfig).doesNotExist();
        assertThat(liveTraining).isRegularFile();
        assertThat(unrelated).isRegularFile();
    }

    @Test
    void aSandboxACallWaitsForDoesNotReplayTheTrainingRunsProfilesASpareDoes() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        AotCache cache = AotCache.of(Files.createDirectories(dir.resolve("cache")), List.of(Files.writeString(dir.resolve("runtime.jar"), "a jar")))
                .orElseThrow();
        List<String> train = new java.util.ArrayList<>(List.of(javaHome.resolve("bin/java").toString(), "-XX:AOTCacheOutput=" + cache.file(),
                "-XX:+UseSerialGC", "-XX:-UsePerfData"));
        train.addAll(SandboxLauncher.MODULE_OPTIONS);
        train.add("-version");
        assertThat(new ProcessBuilder(train).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor())
                .isZero();

        assertThat(cache.usable(javaHome, cache.file())).isTrue();

        assertThat(cache.useFlags(SandboxLauncher.Warmth.WARM)).containsExactly("-XX:AOTCache=" + cache.file());
        assertThat(cache.useFlags(SandboxLauncher.Warmth.COLD)).containsExactly("-XX:AOTCache=" + cache.file(),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTReplayTraining");
        assertThat(cache.usable(javaHome, dir.resolve("no-such.aot"))).as("a cache no JVM maps").isFalse();
        assertThat(cache.useFlags(SandboxLauncher.Warmth.COLD)).as("after a check that failed")
                .containsExactly("-XX:AOTCache=" + cache.file());
    }
}
