package dev.skyfn.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Records in a file, each {@code [int length][int crc32c][bytes]} (big-endian; the checksum over
 * the bytes): the layout of the logs a node keeps on its disk (the data layer's append log, the
 * embedded event log's and the state outbox's frames). They share this reader so that each
 * recovers alike: a record whose checksum fails (a byte changed on the disk) is skipped; a length
 * no record has, or a record cut short (torn as the process stopped, or garbled past reading),
 * ends the file there, and what follows is copied beside it to {@code <file>.unreadable-<epoch ms>}
 * for the operator, never destroyed by the rewrite or cut that follows.
 */
public final class ChecksummedRecords {

    /** Bytes before each record's own: its length and checksum. */
    public static final int HEADER = 8;

    private ChecksummedRecords() {
    }

    /**
     * What a {@link #read} found.
     *
     * @param end        where the last whole record ends (bytes from the file's start): where writing goes on
     * @param skipped    records whose checksum failed, skipped
     * @param unreadable bytes past {@code end} that are not a record
     * @param keptIn     where those bytes were copied; null when there were none
     */
    public record Read(long end, int skipped, long unreadable, Path keptIn) {

        /** What went wrong, for the log; null when nothing did. */
        public String trouble() {
            if (skipped == 0 && unreadable == 0) {
                return null;
            }
            return "holds " + skipped + " record(s) whose checksum fails (changed on the disk), skipped, and ends in " + unreadable
                    + " bytes it cannot read as records (torn as the process stopped, or garbled)" + (keptIn == null ? "" : ", kept in " + keptIn);
        }
    }

    /**
     * Hands each whole record of {@code file} whose checksum holds to {@code each}, in order, reading
     * the file as a stream (its size is not bounded by memory). A length below {@code minLength} or
     * above {@code maxLength} is not one a writer wrote: the file ends there.
     */
    public static Read read(Path file, int minLength, int maxLength, Consumer<byte[]> each) throws IOException {
        long size = Files.size(file);
        long end = 0;
        int skipped = 0;
        try (var in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (size - end >= HEADER) {
                int length = in.readInt();
                int crc = in.readInt();
                if (length < minLength || length > maxLength || length > size - end - HEADER) {
                    break;
                }
                byte[] bytes = in.readNBytes(length);
                end += HEADER + length;
                if (crc32c(bytes) == crc) {
                    each.accept(bytes);
                } else {
                    skipped++;
                }
            }
        }
        long unreadable = size - end;
        Path kept = null;
        if (unreadable > 0) {
            kept = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                 FileChannel out = FileChannel.open(kept, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                in.transferTo(end, unreadable, out);
            }
        }
        return new Read(end, skipped, unreadable, kept);
    }

    /** The header to write before {@code record}. */
    public static ByteBuffer header(byte[] record) {
        return ByteBuffer.allocate(HEADER).putInt(record.length).putInt(crc32c(record)).flip();
    }

    private static int crc32c(byte[] bytes) {
        var crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
