package dev.skyfn.node;

import dev.skyfn.control.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directories a skyfn process keeps in the system's temporary directory while it runs (its
 * sandboxes' sockets, a demo's state): named {@code skyfn.<pid>.<kind>.<random>}, private to the
 * user, removed when the process ends, and, when it was killed before it could, by the next
 * skyfn process to create one.
 */
public final class RunDirs {

    private static final Logger LOG = LoggerFactory.getLogger(RunDirs.class);
    private static final Pattern NAME = Pattern.compile("skyfn\\.(\\d+)\\..+");

    private RunDirs() {
    }

    /** A new directory of this process, {@code kind} naming what it holds; stale ones of dead processes are removed first. */
    public static Path create(String kind) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeStale(tmp);
        try {
            return Files.createTempDirectory(tmp, "skyfn." + ProcessHandle.current().pid() + "." + kind + ".",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a directory made by {@link #create}, logging rather than failing when it cannot. */
    public static void delete(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.getMessage());
        }
    }

    /** {@link #removeStale(Path)} in {@code java.io.tmpdir}, where {@link #create} makes them. */
    public static void removeStale() {
        removeStale(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * Removes the run directories in {@code tmp} whose process no longer runs, and ends the
     * processes it left that still name them (a sandbox that was booting when its node was killed).
     */
    static void removeStale(Path tmp) {
        try (Stream<Path> all = Files.list(tmp)) {
            all.filter(RunDirs::stale).forEach(dir -> {
                LOG.info("removing {}, left by a skyfn process that no longer runs", dir);
                killLeftBehind(dir);
                delete(dir);
            });
        } catch (IOException e) {
            LOG.warn("could not look for stale run directories in {}: {}", tmp, e.getMessage());
        }
    }

    private static void killLeftBehind(Path dir) {
        String name = dir.toString();
        ProcessHandle.allProcesses().filter(p -> commandLine(p).contains(name)).forEach(p -> {
            LOG.info("ending process {}, left by a skyfn process that no longer runs", p.pid());
            p.destroyForcibly();
        });
    }

    /** A process's whole command line, from {@code /proc} (what the JDK reports can be empty for processes in other namespaces). */
    static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"))).replace('\0', ' ');
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    private static boolean stale(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            return false;
        }
        try {
            return ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException tooLong) {
            return false;
        }
    }
}
