package dev.skyfn.billing;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An append-only file of lines, written through memory maps of 64 MiB segments: an append is a
 * copy into the page cache, no system call, and what is copied outlives the process (a mapping
 * is shared with the kernel's page cache) — a node killed right after an append keeps it; a host
 * that loses power keeps what was {@link #force forced}. The file is longer than its lines while
 * open (the rest of the last segment is zeros) and cut to them at {@link #close}. Its owner
 * serializes appends and reads; {@link #force} may run beside them.
 */
final class EntryFile implements AutoCloseable {

    private static final long SEGMENT = 64L << 20;

    private final FileChannel channel;
    /** Added to by appends, forced by another thread: copy on write. */
    private final List<MappedByteBuffer> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long end;

    private EntryFile(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * Opens {@code path}, made if missing, and hands each whole line to {@code line} (its bytes
     * without the newline, and its start offset); a last line without its newline — torn by a
     * crash — is dropped, as are the zeros after the lines.
     */
    static EntryFile open(Path path, BiConsumer<byte[], Long> line) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        EntryFile file = new EntryFile(channel);
        long size = channel.size();
        long start = 0;
        long at = 0;
        byte[] chunk = new byte[1 << 16];
        java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream(512);
        scan:
        while (at < size) {
            int n = channel.read(java.nio.ByteBuffer.wrap(chunk), at);
            if (n <= 0) {
                break;
            }
            int from = 0;
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                if (b == 0) {
                    break scan; // the zeros after the last line
                }
                if (b == '\n') {
                    current.write(chunk, from, i - from);
                    line.accept(current.toByteArray(), start);
                    current.reset();
                    from = i + 1;
                    start = at + i + 1;
                }
            }
            current.write(chunk, from, n - from);
            at += n;
        }
        file.end = start;
        channel.truncate(start);
        return file;
    }

    /** Appends the first {@code length} of {@code bytes} and a newline; returns where the line starts. */
    long append(byte[] bytes, int length) throws IOException {
        long start = end;
        put(bytes, length);
        put(NEWLINE, 1);
        return start;
    }

    private static final byte[] NEWLINE = {'\n'};

    private void put(byte[] bytes, int length) throws IOException {
        MappedByteBuffer segment = segment(end);
        int at = (int) (end % SEGMENT);
        if (length <= segment.capacity() - at) {
            segment.put(at, bytes, 0, length); // within one segment, as nearly every line is: no lambda made for it on each call
        } else {
            pieces(end, length, (s, in, done, n) -> s.put(in, bytes, done, n));
        }
        end += length;
    }

    /** Copies the bytes at {@code from} into {@code into}, whole. */
    void read(long from, byte[] into) throws IOException {
        pieces(from, into.length, (segment, at, done, n) -> segment.get(at, into, done, n));
    }

    /** Feeds the {@code length} bytes at {@code from} to {@code digest}, copying nothing. */
    void digest(long from, int length, java.security.MessageDigest digest) throws IOException {
        pieces(from, length, (segment, at, done, n) -> digest.update(segment.slice(at, n)));
    }

    /** What is done with a piece of a span: {@code n} bytes of {@code segment} from {@code at}, the span's from {@code done}. */
    @FunctionalInterface
    private interface Piece {
        void on(MappedByteBuffer segment, int at, int done, int n);
    }

    /** The {@code length} bytes at {@code from}, a piece in each segment they cross. */
    private void pieces(long from, int length, Piece piece) throws IOException {
        int done = 0;
        while (done < length) {
            long at = from + done;
            MappedByteBuffer segment = segment(at);
            int in = (int) (at % SEGMENT);
            int n = Math.min(length - done, segment.capacity() - in);
            piece.on(segment, in, done, n);
            done += n;
        }
    }

    long end() {
        return end;
    }

    /** Forces what was appended to the disk. */
    void force() {
        for (MappedByteBuffer s : segments) {
            s.force();
        }
    }

    private MappedByteBuffer segment(long offset) throws IOException {
        int index = (int) (offset / SEGMENT);
        while (segments.size() <= index) {
            long at = segments.size() * SEGMENT;
            segments.add(Uninterrupted.call(() -> channel.map(FileChannel.MapMode.READ_WRITE, at, SEGMENT)));
        }
        return segments.get(index);
    }

    /**
     * Forces the lines to disk and cuts the file to them. The maps stay (the garbage collector
     * unmaps them): what was appended can still be read; nothing more may be appended.
     */
    @Override
    public void close() throws IOException {
        force();
        Uninterrupted.call(() -> {
            channel.truncate(end);
            channel.force(true);
            return null;
        });
        channel.close();
    }
}
