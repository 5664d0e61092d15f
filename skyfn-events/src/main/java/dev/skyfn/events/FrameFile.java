package dev.skyfn.events;

import dev.skyfn.core.data.ChecksummedRecords;
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

/**
 * A file of frames, appended one write each: {@code [int length][int crc32c][byte kind][long
 * seq][payload]}, length and checksum over what follows them — the {@link StateOutbox}'s and the
 * {@link EmbeddedEventLog}'s. A frame torn by a crash mid-write ends the replay; the file is then
 * rewritten without it. Appends are not forced to the device: they survive the process dying, not
 * the machine losing power.
 */
final class FrameFile implements AutoCloseable {

    /** One record: its {@code kind}, the number {@code seq} of what it is about, and its {@code payload}. */
    record Frame(byte kind, long seq, byte[] payload) {
    }

    /** A payload larger than this is not one a writer wrote: the frame is torn. */
    static final int MAX_PAYLOAD = 16 << 20;

    private final Path file;
    /** What the file is, for messages: "the state outbox". */
    private final String what;
    private FileChannel channel;
    private long size;

    private FrameFile(Path file, String what) {
        this.file = file;
        this.what = what;
    }

    /**
     * Opens {@code file}, adding the frames it holds to {@code replayed}; it is {@link #broken()}
     * until {@link #rewrite rewritten} with those still needed.
     */
    static FrameFile open(Path file, String what, List<Frame> replayed) {
        var outbox = new FrameFile(file, what);
        try {
            Files.createDirectories(file.getParent());
            if (Files.exists(file)) {
                replayed.addAll(read(file, what));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("opening " + what + " " + file + ": " + e.getMessage(), e);
        }
        return outbox;
    }

    /** The frames of {@code file}, recovered as {@link ChecksummedRecords#read} recovers records. */
    private static List<Frame> read(Path file, String what) throws IOException {
        List<Frame> frames = new ArrayList<>();
        ChecksummedRecords.Read read = ChecksummedRecords.read(file, 9, 9 + MAX_PAYLOAD, bytes -> {
            ByteBuffer r = ByteBuffer.wrap(bytes);
            byte kind = r.get();
            long seq = r.getLong();
            byte[] payload = new byte[r.remaining()];
            r.get(payload);
            frames.add(new Frame(kind, seq, payload));
        });
        if (read.trouble() != null) {
            org.slf4j.LoggerFactory.getLogger(FrameFile.class).warn("{} {} {}", what, file, read.trouble());
        }
        return frames;
    }

    /**
     * Appends one frame; throws {@link UncheckedIOException} when the disk refuses it, the file then
     * cut back to where it was (or, when even that fails, {@link #broken()} until rewritten): a
     * frame torn in the middle would end a replay there.
     */
    void append(Frame f) {
        if (channel == null) {
            throw new UncheckedIOException(new IOException(what + " " + file + " must be rewritten before it is written"));
        }
        ByteBuffer b = encode(f);
        long start = size;
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
            size += b.limit();
        } catch (IOException e) {
            try {
                channel.truncate(start);
            } catch (IOException cut) {
                close();
            }
            throw new UncheckedIOException("writing " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the file can be appended to only once {@link #rewrite rewritten}. */
    boolean broken() {
        return channel == null;
    }

    /**
     * Replaces the file's frames with {@code frames}, atomically: on failure the file is as it was
     * (or {@link #broken()}, when it was replaced and cannot be opened again).
     */
    void rewrite(List<Frame> frames) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        long written = 0;
        try {
            try (FileChannel out = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                for (Frame f : frames) {
                    ByteBuffer b = encode(f);
                    written += b.remaining();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(next);
            } catch (IOException ignored) {
                // a stray .next is overwritten by the next rewrite
            }
            throw new UncheckedIOException("rewriting " + what + " " + file + ": " + e.getMessage(), e);
        }
        close();
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            size = written;
        } catch (IOException e) {
            throw new UncheckedIOException("reopening " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Empties the file: nothing in it is needed any more. */
    void clear() {
        if (channel == null) {
            rewrite(List.of());
            return;
        }
        try {
            channel.truncate(0);
            size = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("emptying " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Bytes in the file, as written since it was last emptied or rewritten. */
    long size() {
        return size;
    }

    private static ByteBuffer encode(Frame f) {
        byte[] bytes = ByteBuffer.allocate(9 + f.payload().length).put(f.kind()).putLong(f.seq()).put(f.payload()).array();
        return ByteBuffer.allocate(ChecksummedRecords.HEADER + bytes.length).put(ChecksummedRecords.header(bytes)).put(bytes).flip();
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
