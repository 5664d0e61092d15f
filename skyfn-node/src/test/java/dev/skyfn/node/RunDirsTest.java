package dev.skyfn.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirsTest {

    @TempDir
    Path tmp;

    @Test
    void removesTheRunDirectoriesOfProcessesThatNoLongerRunAndNothingElse() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectories(tmp.resolve("skyfn." + gone.pid() + ".node.123"));
        Files.writeString(stale.resolve("sb-1.sock"), "left behind by a kill -9");
        Path live = Files.createDirectories(tmp.resolve("skyfn." + ProcessHandle.current().pid() + ".node.456"));
        Path other = Files.createDirectories(tmp.resolve("skyfn-something-else"));
        Path notADir = Files.writeString(tmp.resolve("skyfn." + gone.pid() + ".demo.789"), "a file");
        Process leftBehind = new ProcessBuilder("sh", "-c", "sleep 600", stale.resolve("sb-1").toString()).start();
        Process bystander = new ProcessBuilder("sh", "-c", "sleep 600", live.resolve("sb-1").toString()).start();

        RunDirs.removeStale(tmp);

        assertThat(leftBehind.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("a sandbox its dead node left booting").isTrue();
        assertThat(bystander.isAlive()).as("a live node's sandbox").isTrue();
        bystander.destroyForcibly();
        assertThat(stale).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(other).isDirectory();
        assertThat(notADir).isRegularFile();
    }

    @Test
    void aNewRunDirectoryIsPrivateAndNamedAfterItsProcess() throws Exception {
        Path dir = RunDirs.create("test");
        try {
            assertThat(dir.getFileName().toString()).startsWith("skyfn." + ProcessHandle.current().pid() + ".test.");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        } finally {
            RunDirs.delete(dir);
        }
        assertThat(dir).doesNotExist();
    }
}
