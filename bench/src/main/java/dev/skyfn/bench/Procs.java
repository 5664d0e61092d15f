package dev.skyfn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starting, pinning, measuring and stopping the processes a benchmark compares. */
final class Procs {

    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private Procs() {
    }

    /** Starts {@code command}, pinned to {@code cpus} ("0", "0-1") when given, output to {@code log}. */
    static Process start(String cpus, Path log, List<String> command) {
        return start(cpus, log, command, java.util.Map.of());
    }

    /** {@link #start(String, Path, List)} with {@code env} added to the environment. */
    static Process start(String cpus, Path log, List<String> command, java.util.Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        if (cpus != null) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.addAll(command);
        try {
            var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Resident memory of a process in bytes, from /proc. */
    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /** Resident memory of a process and all its descendants. */
    static long treeRss(Process p) {
        return rss(p.pid()) + p.descendants().mapToLong(h -> rss(h.pid())).sum();
    }

    private static final java.util.regex.Pattern HEAP_USED =
            java.util.regex.Pattern.compile("total.*?used (\\d+)K");

    /** Live heap of a JVM: a full GC, then the heap it still uses, through jcmd. */
    static long heapUsedAfterGc(long pid) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(List.of(jcmd, Long.toString(pid), "GC.run"), Duration.ofSeconds(30));
        String info = run(List.of(jcmd, Long.toString(pid), "GC.heap_info"), Duration.ofSeconds(30));
        long used = 0;
        var m = HEAP_USED.matcher(info);
        while (m.find()) {
            used += Long.parseLong(m.group(1)) * 1024;
        }
        if (used == 0) {
            throw new IllegalStateException("no heap figures from jcmd for " + pid + ":\n" + info);
        }
        return used;
    }

    /** Live heap of a process and its descendant JVMs. */
    static long treeHeapUsed(Process p) {
        return heapUsedAfterGc(p.pid()) + p.descendants().mapToLong(h -> heapUsedAfterGc(h.pid())).sum();
    }

    static String run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A path for a Unix socket in a new temporary directory of its own, named after {@code what}: no earlier run's socket is there. */
    static Path tempSocket(String what) {
        try {
            return Files.createTempDirectory(what).resolve("s.sock");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code file} exists (a server's socket bound); IllegalStateException after {@code most}. */
    static void awaitFile(Path file, Duration most) {
        long deadline = System.nanoTime() + most.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(file + " did not appear within " + most.toSeconds() + " s");
            }
            sleep(Duration.ofMillis(20));
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
