package dev.skyfn.node.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendLogTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> replayed(Path file) {
        List<String> records = new ArrayList<>();
        AppendLog.open(file, r -> records.add(new String(r, StandardCharsets.UTF_8))).close();
        return records;
    }

    /** Where each record starts: 8 bytes of length and checksum, then its bytes. */
    private static long offsetOf(int index, List<String> records) {
        long at = 0;
        for (int i = 0; i < index; i++) {
            at += 8 + records.get(i).length();
        }
        return at;
    }

    @Test
    void aRecordWhoseBytesChangedOnTheDiskIsSkippedAndTheOnesAfterItAreReplayed() throws Exception {
        Path file = dir.resolve("log");
        List<String> written = List.of("one", "two", "three", "four");
        try (var log = AppendLog.open(file, r -> { })) {
            written.forEach(r -> log.appendDurably(bytes(r)));
        }
        try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes("X")), offsetOf(1, written) + 8);
        }
        assertThat(replayed(file)).containsExactly("one", "three", "four");
    }

    @Test
    void whatFollowsALengthNoRecordHasIsKeptBesideTheLogAndTheLogGoesOnAfterWhatItRead() throws Exception {
        Path file = dir.resolve("log");
        List<String> written = List.of("one", "two", "three");
        try (var log = AppendLog.open(file, r -> { })) {
            written.forEach(r -> log.appendDurably(bytes(r)));
        }
        long size = Files.size(file);
        long garbled = offsetOf(1, written);
        try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(1 << 30).flip(), garbled);
        }
        try (var log = AppendLog.open(file, r -> { })) {
            log.appendDurably(bytes("four"));
        }
        assertThat(replayed(file)).containsExactly("one", "four");
        try (var files = Files.list(dir)) {
            List<Path> kept = files.filter(p -> p.getFileName().toString().startsWith("log.unreadable-")).toList();
            assertThat(kept).hasSize(1);
            assertThat(Files.size(kept.getFirst())).isEqualTo(size - garbled);
        }
    }
}
