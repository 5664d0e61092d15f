package dev.skyfn.node.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's AOT cache for the sandbox runtime: classes loaded, linked and profiled by one training
 * run, so later sandboxes start faster. A cache only fits the JDK and class path that made it, so
 * its file name is a digest of both; class directories (a build tree) cannot be cached.
 */
final class AotCache {

    private static final java.util.regex.Pattern TRAINING = java.util.regex.Pattern.compile("sandbox-\\w+\\.aot\\.(\\d{1,18})\\.training\\.aot(\\.config)?");

    /**
     * What a sandbox a call waits for adds: it does not replay the training run's profiles (JEP 515),
     * whose early compilations cost a cold boot about 0.08 of the 0.4 CPU-seconds it takes on two
     * CPUs — in a burst of cold starts, CPU the other boots wait for (docs/PERFORMANCE.md, Cold-start
     * storms); its own calls warm it. Spares, which boot ahead of demand, replay them.
     */
    private static final List<String> NO_REPLAY = List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTReplayTraining");

    private final Path file;
    private final Path trainingOutput;
    /** {@link #NO_REPLAY} where the sandboxes' JVM has that flag, found when the cache is checked. */
    private volatile List<String> coldFlags = List.of();

    private AotCache(Path file) {
        this.file = file;
        this.trainingOutput = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".training.aot");
    }

    static Optional<AotCache> of(Path dir, List<Path> classpath) {
        if (classpath.stream().anyMatch(Files::isDirectory)) {
            return Optional.empty();
        }
        return Optional.of(new AotCache(dir.resolve("sandbox-" + fingerprint(classpath) + ".aot")));
    }

    /**
     * Removes from the cache's directory the sandbox caches of other JDKs or builds of skyfn (they
     * can never be used again) and the training outputs of processes that no longer run.
     */
    void removeStale() {
        try (var files = Files.list(file.getParent())) {
            files.filter(f -> !f.equals(file) && stale(f.getFileName().toString())).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // another node removing it too, or not ours to remove: left alone
                }
            });
        } catch (IOException e) {
            // no cache directory yet: nothing stale
        }
    }

    private static boolean stale(String name) {
        var training = TRAINING.matcher(name);
        if (training.matches()) {
            return ProcessHandle.of(Long.parseLong(training.group(1))).map(p -> !p.isAlive()).orElse(true);
        }
        return name.startsWith("sandbox-") && name.endsWith(".aot");
    }

    boolean ready() {
        return Files.isRegularFile(file);
    }

    /**
     * Whether a JVM of {@code javaHome} can map {@code candidate} (with -XX:AOTMode=on it refuses to
     * start otherwise): a file cut short while it was assembled is not. Finds too whether that JVM
     * takes {@link #coldFlags}.
     */
    boolean usable(Path javaHome, Path candidate) throws IOException, InterruptedException {
        if (maps(javaHome, candidate, NO_REPLAY)) {
            coldFlags = NO_REPLAY;
            return true;
        }
        coldFlags = List.of();
        return maps(javaHome, candidate, List.of());
    }

    private static boolean maps(Path javaHome, Path candidate, List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin").resolve("java").toString(),
                "-XX:AOTCache=" + candidate, "-XX:AOTMode=on", "-XX:+UseSerialGC", "-XX:-UsePerfData"));
        command.addAll(flags);
        // a cache is mapped only by a JVM with the module options it was made with
        command.addAll(SandboxLauncher.MODULE_OPTIONS);
        command.add("-version");
        Process check = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!check.waitFor(30, TimeUnit.SECONDS)) {
            check.destroyForcibly();
            return false;
        }
        return check.exitValue() == 0;
    }

    /**
     * Waits until the JVM a training run started as it exited has assembled the cache (it removes
     * the run's configuration file when done), at most {@code limit}.
     */
    void awaitAssembled(Duration limit) throws InterruptedException {
        Path config = trainingOutput.resolveSibling(trainingOutput.getFileName() + ".config");
        long deadline = System.nanoTime() + limit.toNanos();
        while (Files.exists(config) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    Path file() {
        return file;
    }

    /** Where a training run writes, renamed to {@link #file()} once complete; unique, as nodes may train at once. */
    Path trainingOutput() {
        return trainingOutput;
    }

    List<String> useFlags() {
        return List.of("-XX:AOTCache=" + file);
    }

    /** {@link #useFlags} for a sandbox of this warmth: a cold one does not replay the training's profiles. */
    List<String> useFlags(SandboxLauncher.Warmth warmth) {
        if (warmth == SandboxLauncher.Warmth.WARM || coldFlags.isEmpty()) {
            return useFlags();
        }
        List<String> flags = new ArrayList<>(useFlags());
        flags.addAll(coldFlags);
        return flags;
    }

    List<String> trainFlags() {
        return List.of("-XX:AOTCacheOutput=" + trainingOutput());
    }

    private static String fingerprint(List<Path> classpath) {
        try {
            MessageDigest digest = dev.skyfn.core.Sha256.digest();
            digest.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            digest.update(System.getProperty("java.home").getBytes(StandardCharsets.UTF_8));
            for (Path p : classpath) {
                digest.update((p + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
