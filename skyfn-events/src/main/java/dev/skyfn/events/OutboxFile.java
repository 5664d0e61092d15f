package dev.skyfn.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The frames of a {@link StateOutbox} on disk, appended one write each: {@code [int length][int
 * crc32c][byte kind][long seq][payload]}, length and checksum over what follows them. A frame torn
 * by a crash mid-write ends the replay; the file is then rewritten without it. Appends are not
 * forced to the device: they survive the process dying, not the machine losing power.
 */
final class OutboxFile implements AutoCloseable {

    /** One record: {@code kind} of the change numbered {@code seq}, with its {@code payload} (empty but for a hold). */
    record Frame(byte kind, long seq, byte[] payload) {
    }

    private static final int HEADER = 4 + 4 + 1 + 8;
    /** A payload larger than this is not one the outbox wrote: the frame is torn. */
    private static final int MAX_PAYLOAD = 16 << 20;

    private final Path file;
    private FileChannel channel;
    private long size;

    private OutboxFile(Path file) {
        this.file = file;
    }

    /** Opens {@code file} (created when absent), returning it with the frames it holds, the file rewritten with exactly those. */
    static OutboxFile open(Path file, List<Frame> replayed) {
        var outbox = new OutboxFile(file);
        try {
            Files.createDirectories(file.getParent());
            if (Files.exists(file)) {
                replayed.addAll(read(file));
            }
            outbox.rewrite(replayed);
        } catch (IOException e) {
            throw new UncheckedIOException("opening the state outbox " + file, e);
        }
        return outbox;
    }

    private static List<Frame> read(Path file) throws IOException {
        List<Frame> frames = new ArrayList<>();
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
        while (all.remaining() >= HEADER) {
            int length = all.getInt();
            int crc = all.getInt();
            if (length < 9 || length - 9 > MAX_PAYLOAD || length > all.remaining()) {
                break;
            }
            byte[] rest = new byte[length];
            all.get(rest);
            if (crc32c(rest) != crc) {
                break;
            }
            ByteBuffer r = ByteBuffer.wrap(rest);
            byte kind = r.get();
            long seq = r.getLong();
            byte[] payload = new byte[r.remaining()];
            r.get(payload);
            frames.add(new Frame(kind, seq, payload));
        }
        return frames;
    }

    /** Appends one frame; throws {@link UncheckedIOException} when the disk refuses it. */
    void append(Frame f) {
        try {
            if (channel == null) {
                throw new IOException("the outbox is closed");
            }
            ByteBuffer b = encode(f);
            size += b.remaining();
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the state outbox " + file, e);
        }
    }

    /** Replaces the file's frames with {@code frames}, atomically. */
    void rewrite(List<Frame> frames) {
        try {
            close();
            Path next = file.resolveSibling(file.getFileName() + ".next");
            size = 0;
            try (FileChannel out = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                for (Frame f : frames) {
                    ByteBuffer b = encode(f);
                    size += b.remaining();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("rewriting the state outbox " + file, e);
        }
    }

    /** Empties the file: nothing in it is needed any more. */
    void clear() {
        try {
            channel.truncate(0);
            size = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("emptying the state outbox " + file, e);
        }
    }

    /** Bytes written to the file since it was last emptied or rewritten. */
    long size() {
        return size;
    }

    private static ByteBuffer encode(Frame f) {
        ByteBuffer rest = ByteBuffer.allocate(9 + f.payload().length).put(f.kind()).putLong(f.seq()).put(f.payload());
        byte[] bytes = rest.array();
        return ByteBuffer.allocate(8 + bytes.length).putInt(bytes.length).putInt(crc32c(bytes)).put(bytes).flip();
    }

    private static int crc32c(byte[] bytes) {
        var crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing is buffered: each frame was written whole
            }
            channel = null;
        }
    }
}
