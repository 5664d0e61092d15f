package dev.skyfn.billing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A growable array of records of one width (bytes), in segments either on the heap or mapped from
 * a file: a ledger's hashes and index grow with every usage record, and a node that meters for
 * months must not hold them in its heap — mapped, their pages are the kernel's to write out and
 * drop. A mapped array's file is scratch, rebuilt by its owner: made empty when the array is
 * made, removed when it is closed — or {@link #closeKeeping kept}, forced to disk, for an owner
 * that can tell it is still whole when it {@link #reopened reopens} it; what was mapped stays
 * readable until the array is collected.
 * Not thread-safe: its owner serializes adds, and reads only indexes below a size it read after
 * their add.
 */
final class FixedWidthArray implements AutoCloseable {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final int width;
    private final long segmentBytes;
    private final long perSegment;
    private final FileChannel file;
    private final Path path;
    private final Arena arena;
    private final List<MemorySegment> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long size;

    private FixedWidthArray(int width, long segmentBytes, FileChannel file, Path path) {
        this.width = width;
        this.perSegment = segmentBytes / width;
        this.segmentBytes = perSegment * width;
        this.file = file;
        this.path = path;
        this.arena = file == null ? null : Arena.ofAuto(); // unmapped once collected: a closed owner may still be read
    }

    /** An array on the heap, in segments of {@code segmentBytes} (rounded down to whole records). */
    static FixedWidthArray onHeap(int width, long segmentBytes) {
        return new FixedWidthArray(width, segmentBytes, null, null);
    }

    /**
     * An array mapped from {@code path}, made anew (a file left there is removed first, not cut:
     * a closed owner may still read its maps of it), in segments of {@code segmentBytes}.
     */
    static FixedWidthArray mapped(Path path, int width, long segmentBytes) {
        try {
            Files.deleteIfExists(path);
            return new FixedWidthArray(width, segmentBytes, FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The array of {@code size} records kept in {@code path} by {@link #closeKeeping}, mapped again
     * as it was; IOException when the file is too short to hold them. Whether they are the right
     * records is the owner's to check.
     */
    static FixedWidthArray reopened(Path path, int width, long segmentBytes, long size) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            var array = new FixedWidthArray(width, segmentBytes, file, path);
            if (size < 0 || file.size() < size * width) {
                throw new IOException(path + " holds " + file.size() / width + " records, not " + size);
            }
            while ((long) array.segments.size() * array.perSegment < size) {
                array.segments.add(array.map(array.segments.size()));
            }
            array.size = size;
            return array;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    long size() {
        return size;
    }

    /**
     * Maps (or allocates) the segment the next record goes into, if it is not yet: an owner whose
     * adds must all happen or none calls this first, so that the adds cannot fail.
     */
    void reserve() {
        next(size);
    }

    void add(byte[] record) {
        long n = size;
        MemorySegment.copy(record, 0, next(n), ValueLayout.JAVA_BYTE, at(n), width);
        grown(n);
    }

    void addLong(long value) {
        long n = size;
        next(n).set(LONG, at(n), value);
        grown(n);
    }

    void addInt(int value) {
        long n = size;
        next(n).set(INT, at(n), value);
        grown(n);
    }

    /**
     * The record at {@code n} made visible: a release store, which orders the record's bytes
     * before the size as a volatile store does, without the fence a volatile store costs on
     * every add (a usage record adds to five arrays).
     */
    private void grown(long n) {
        SIZE.setRelease(this, n + 1);
    }

    private static final java.lang.invoke.VarHandle SIZE;

    static {
        try {
            SIZE = java.lang.invoke.MethodHandles.lookup().findVarHandle(FixedWidthArray.class, "size", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    byte[] get(long i) {
        byte[] record = new byte[width];
        MemorySegment.copy(segment(i), ValueLayout.JAVA_BYTE, at(i), record, 0, width);
        return record;
    }

    long getLong(long i) {
        return segment(i).get(LONG, at(i));
    }

    int getInt(long i) {
        return segment(i).get(INT, at(i));
    }

    private long at(long i) {
        return (i % perSegment) * width;
    }

    private MemorySegment segment(long i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("record " + i + " of " + size);
        }
        return segments.get(Math.toIntExact(i / perSegment));
    }

    /** The segment record {@code n}, the next, goes into, added when the last is full. */
    private MemorySegment next(long n) {
        int index = Math.toIntExact(n / perSegment);
        if (index == segments.size()) {
            segments.add(file == null ? MemorySegment.ofArray(new byte[Math.toIntExact(segmentBytes)]) : map(index));
        }
        return segments.get(index);
    }

    private MemorySegment map(int index) {
        try {
            // an interrupted thread's map would close the file for every thread
            return Uninterrupted.call(() -> file.map(FileChannel.MapMode.READ_WRITE, index * segmentBytes, segmentBytes, arena));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path + ": " + e.getMessage(), e);
        }
    }

    /** Forces a mapped array's records to disk and closes its file, keeping it for {@link #reopened}. */
    void closeKeeping() throws IOException {
        if (file == null) {
            return;
        }
        for (MemorySegment segment : segments) {
            segment.force();
        }
        file.close();
    }

    /** Removes a mapped array's file: what it holds can still be read; nothing more can be added beyond its last segment. */
    @Override
    public void close() {
        if (file == null) {
            return;
        }
        try {
            file.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + path + ": " + e.getMessage(), e);
        }
    }
}
