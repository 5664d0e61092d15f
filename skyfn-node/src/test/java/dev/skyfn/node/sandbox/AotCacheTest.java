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
}
