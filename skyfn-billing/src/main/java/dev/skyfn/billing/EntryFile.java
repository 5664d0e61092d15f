package dev.skyfn.billing;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of lines, each appended by a copy into a journal: a ring of bytes in a
 * memory-mapped file beside it ({@code <file>.journal}) holding the file's last {@link #RING}
 * bytes, each at its offset modulo the ring. A writer thread of the file's own moves what was
 * appended from the ring to the file in large writes, every {@link #WRITE_EVERY} or sooner when a
 * quarter of the ring waits. What is copied into a mapping outlives the process, so a node killed
 * right after an append keeps it: opening the file again takes from the journal the lines the
 * file lacks. A host that loses power keeps what was {@link #force forced}.
 * <p>
 * Why a ring rather than the file mapped: each 4 KiB a growing file adds is a fresh page, whose
 * first write is a page fault — 7–8 µs on a virtual machine, about 0.8 µs a 430-byte record — where
 * the ring's pages, used again lap after lap, stay mapped (a copy of a record: about 20 ns), and a
 * write of 64 KiB to the file costs about 75 ns a record. The ring's pages are {@link PinnedPages
 * locked} in memory where the process may, so that reclaim never pages them out.
 * <p>
 * The file is longer than its lines while open (the rest of its last 64 MiB is zeros, mapped to be
 * read) and cut to them at {@link #close}, when the journal is removed. Its owner serializes
 * appends; reads, {@link #force} and appends may run at once.
 */
final class EntryFile implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EntryFile.class);
    /**
     * The journal's ring: about a quarter of a second of records at 40,000 calls a second. Small,
     * so that its pages stay in the CPU's caches and are locked in memory within the default
     * {@code RLIMIT_MEMLOCK} (8 MiB); a ring of 16 MiB was paged out between laps on this project's
     * machines, and each of its pages read back from disk at its next write.
     */
    static final int RING = 4 << 20;
    /** How long an appended line waits, at most, before the writer moves it to the file. */
    static final Duration WRITE_EVERY = Duration.ofMillis(50);
    private static final long SEGMENT = 64L << 20;
    /**
     * The journal's header, little-endian longs: a mark, the ring's size, the end of what was
     * appended, and the file's end when the journal began (the ring holds nothing before it); the
     * ring follows.
     */
    static final int HEADER = 4096;
    private static final long MARK = 0x314c4a6e6679_6b73L; // "skyfnJL1"
    private static final int AT_RING = 8;
    private static final int AT_END = 16;
    private static final int AT_FIRST = 24;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /**
     * How much of the file before the journal's lines must match the ring for those to be taken at
     * opening: 4 KiB, or a quarter of a smaller ring. An append never writes over the ring's copy of
     * the last this many bytes moved to the file, so a line half-copied when the process was killed
     * cannot spoil the match.
     */
    static long overlap(long ring) {
        return Math.min(4096, ring / 4);
    }

    private final FileChannel channel;
    private final Path journalPath;
    private final FileChannel journalChannel;
    private final MappedByteBuffer journal;
    private final int ring;
    private final long writeEveryNanos;
    /** Read maps of the file, added as it grows: copy on write. */
    private final List<MappedByteBuffer> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The end of the lines appended (in the ring); written by the appender. */
    private volatile long end;
    /** The end of the lines in the file; written by the writer. */
    private volatile long written;
    /** A quarter of the ring waits: the writer has been asked to come early. */
    private volatile boolean asked;
    private volatile boolean closing;
    /** The end of the lines forced to disk; written by the writer. */
    private volatile long forced;
    /** Someone waits for the file to be forced. */
    private volatile boolean forceAsked;
    /** Why the writer stopped, if it failed: appends that need room, reads that need lines and forces fail with it. */
    private volatile IOException failed;
    private final ReentrantLock lock = new ReentrantLock();
    /** The writer's wake-up: asked to come early, or closing. */
    private final Condition work = lock.newCondition();
    /** Lines moved to the file. */
    private final Condition moved = lock.newCondition();
    private final Thread writer;
    /** Whether the journal's pages are locked in memory. */
    private boolean pinned;

    private EntryFile(FileChannel channel, Path journalPath, long end, int ring, Duration writeEvery) throws IOException {
        this.channel = channel;
        this.journalPath = journalPath;
        this.ring = ring;
        this.writeEveryNanos = writeEvery.toNanos();
        this.end = end;
        this.written = end;
        this.forced = end;
        // made whole under another name, then put in place: a kill meanwhile leaves the last journal or none, never half of one
        Path made = journalPath.resolveSibling(journalPath.getFileName() + ".new");
        Files.deleteIfExists(made);
        if (Files.exists(journalPath)) {
            // what the last journal holds is in the file now: its blocks go before the new one's are taken, so that a
            // node that stopped on a nearly full disk starts again on the space it ran in
            channel.force(true);
            Files.delete(journalPath);
        }
        journalChannel = FileChannel.open(made, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            // every block allocated now: a full disk fails the opening, not a copy into the ring (a fault the JVM cannot recover from)
            ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
            for (long at = 0; at < HEADER + (long) ring; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), HEADER + (long) ring - at));
                while (zeros.hasRemaining()) {
                    journalChannel.write(zeros, at + zeros.position());
                }
            }
            journal = journalChannel.map(FileChannel.MapMode.READ_WRITE, 0, HEADER + (long) ring);
            journal.order(ByteOrder.LITTLE_ENDIAN);
            journal.putLong(0, MARK).putLong(AT_RING, ring).putLong(AT_FIRST, end);
            LONGS.setRelease(journal, AT_END, end);
            pinned = PinnedPages.lock(journal);
            Files.move(made, journalPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            journalChannel.close();
            Files.deleteIfExists(made);
            throw new IOException("cannot make its journal " + journalPath + " of " + ((HEADER + (long) ring) >> 20) + " MiB: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            journalChannel.close();
            throw e;
        }
        writer = Thread.ofPlatform().daemon().name("usage-ledger-writer").start(this::write);
    }

    /**
     * Opens {@code path}, made if missing, and hands each whole line to {@code line} (its bytes
     * without the newline, and its start offset): the file's, then those its journal holds beyond
     * them (appended before a kill). A last line of the file without its newline — torn by a crash —
     * is dropped, or replaced by the journal's, as are the zeros after the lines.
     */
    static EntryFile open(Path path, Predicate<byte[]> whole, BiConsumer<byte[], Long> line) throws IOException {
        return open(path, 0, RING, WRITE_EVERY, whole, line);
    }

    /**
     * {@link #open(Path, Predicate, BiConsumer)} for an owner that already knows the file's first
     * {@code known} bytes, whole lines: only the lines after them are read. IOException when the
     * file is shorter or they do not end a line.
     */
    static EntryFile open(Path path, long known, Predicate<byte[]> whole, BiConsumer<byte[], Long> line) throws IOException {
        return open(path, known, RING, WRITE_EVERY, whole, line);
    }

    /**
     * {@link #open(Path, Predicate, BiConsumer)} with a ring of {@code ring} bytes whose lines are
     * moved to the file every {@code writeEvery}. {@code whole} says whether a line the journal
     * holds is one its owner wrote: those are taken up to the first that is not (after a power
     * loss, pages of the ring the disk did not get hold an older lap's bytes).
     */
    static EntryFile open(Path path, int ring, Duration writeEvery, Predicate<byte[]> whole, BiConsumer<byte[], Long> line)
            throws IOException {
        return open(path, 0, ring, writeEvery, whole, line);
    }

    private static EntryFile open(Path path, long known, int ring, Duration writeEvery, Predicate<byte[]> whole, BiConsumer<byte[], Long> line)
            throws IOException {
        if (overlap(ring) < 1) {
            throw new IllegalArgumentException("a journal's ring is 4 bytes at least: " + ring);
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            if (known > 0) {
                ByteBuffer last = ByteBuffer.allocate(1);
                if (known > channel.size() || channel.read(last, known - 1) != 1 || last.get(0) != '\n') {
                    throw new IOException(path + " has no line ending at " + known);
                }
            }
            long end = scan(channel, known, line);
            Path journalPath = path.resolveSibling(path.getFileName() + ".journal");
            if (Files.exists(journalPath)) {
                end = recover(channel, journalPath, end, whole, line);
            }
            channel.truncate(end);
            return new EntryFile(channel, journalPath, end, ring, writeEvery);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Reads the lines from {@code from}, handing each whole one to {@code line}; returns the end of the last. */
    private static long scan(FileChannel channel, long from, BiConsumer<byte[], Long> line) throws IOException {
        long size = channel.size();
        long start = from;
        long at = from;
        byte[] chunk = new byte[1 << 16];
        java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream(512);
        while (at < size) {
            int n = channel.read(ByteBuffer.wrap(chunk), at);
            if (n <= 0) {
                break;
            }
            // searched as Latin-1 text, whose indexOf is vectorized: a node's start reads its whole ledger
            String text = new String(chunk, 0, n, StandardCharsets.ISO_8859_1);
            int zero = text.indexOf(0); // the zeros after the last line
            int limit = zero < 0 ? n : zero;
            int from0 = 0;
            for (int i = text.indexOf('\n'); i >= 0 && i < limit; i = text.indexOf('\n', i + 1)) {
                if (current.size() == 0) {
                    line.accept(Arrays.copyOfRange(chunk, from0, i), start); // a line within the chunk, as most are
                } else {
                    current.write(chunk, from0, i - from0);
                    line.accept(current.toByteArray(), start);
                    current.reset();
                }
                from0 = i + 1;
                start = at + i + 1;
            }
            if (zero >= 0) {
                return start;
            }
            current.write(chunk, from0, n - from0);
            at += n;
        }
        return start;
    }

    /**
     * Writes to the file the lines of the journal at {@code journalPath} beyond the file's
     * {@code end} — up to the first that is not {@code whole} — and hands them to {@code line};
     * returns the new end. A journal that does not continue the file — unreadable, from another
     * file, or whose bytes before the lines it would add differ from the file's — adds nothing: it
     * is set aside as {@code <journal>.rejected-<epoch ms>} for the operator, and the log says so.
     */
    private static long recover(FileChannel channel, Path journalPath, long end, Predicate<byte[]> whole, BiConsumer<byte[], Long> line)
            throws IOException {
        byte[] missing;
        long ringSize;
        try (FileChannel j = FileChannel.open(journalPath, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            j.read(header, 0);
            long ring = header.getLong(AT_RING);
            long appended = header.getLong(AT_END);
            long first = header.getLong(AT_FIRST);
            String refused = null;
            if (header.getLong(0) != MARK || overlap(ring) < 1 || ring > Integer.MAX_VALUE || j.size() < HEADER + ring) {
                refused = "it is not a journal of these entries";
            } else if (appended == end) {
                return end;
            } else if (appended < end || end < first || appended - ring > end) {
                refused = "it holds entries from byte " + Math.max(first, appended - ring) + " to " + appended
                        + ", which do not follow the file's last entry, ending at byte " + end;
            } else {
                long from = Math.max(first, Math.max(appended - ring, end - overlap(ring)));
                byte[] before = new byte[(int) (end - from)];
                byte[] inFile = new byte[before.length];
                readRing(j, (int) ring, from, before);
                channel.read(ByteBuffer.wrap(inFile), from);
                if (!Arrays.equals(before, inFile)) {
                    refused = "the entries before byte " + end + " differ from those it holds";
                }
            }
            if (refused != null) {
                setAside(journalPath, "no entry taken from it (" + refused + ")");
                return end;
            }
            missing = new byte[(int) (appended - end)];
            readRing(j, (int) ring, end, missing);
            ringSize = ring;
        }
        int taken = 0;
        String notTaken = null;
        for (int i = 0; i < missing.length; i++) {
            if (missing[i] == '\n') {
                byte[] candidate = Arrays.copyOfRange(missing, taken, i);
                String why = !whole.test(candidate) ? "not whole" : lapBefore(channel, end + taken, ringSize, missing, taken, i + 1)
                        ? "the ring's older lap (the same bytes one ring before)" : null;
                if (why != null) {
                    // a host that lost power may have kept the header and not every page of the ring
                    notTaken = "its entries from byte " + (end + taken) + " on are " + why + "; " + (missing.length - taken) + " bytes not taken";
                    break;
                }
                taken = i + 1;
            }
        }
        ByteBuffer out = ByteBuffer.wrap(missing, 0, taken);
        while (out.hasRemaining()) {
            channel.write(out, end + out.position());
        }
        long recovered = scan(channel, end, line);
        channel.force(false); // before the journal that also holds them is made anew, or set aside
        if (notTaken != null) {
            // only once the entries taken from it are on disk: a process killed before would find them in it again
            setAside(journalPath, notTaken);
        }
        LOG.info("usage ledger: {} entries' bytes taken from {} (written before the node stopped)", recovered - end, journalPath);
        return recovered;
    }

    /** Whether the file holds {@code bytes[from, to)} exactly one ring before {@code offset}: a page of the ring not written since its last lap. */
    private static boolean lapBefore(FileChannel channel, long offset, long ring, byte[] bytes, int from, int to) throws IOException {
        if (offset - ring < 0) {
            return false;
        }
        ByteBuffer before = ByteBuffer.allocate(to - from);
        while (before.hasRemaining() && channel.read(before, offset - ring + before.position()) > 0) {
            // read on
        }
        return !before.hasRemaining() && Arrays.equals(before.array(), 0, to - from, bytes, from, to);
    }

    /** Moves a journal whose lines are not all taken aside, for the operator, and says so in the log; only logs if it cannot. */
    private static void setAside(Path journalPath, String why) {
        Path aside = journalPath.resolveSibling(journalPath.getFileName() + ".rejected-" + System.currentTimeMillis());
        try {
            Files.move(journalPath, aside);
            LOG.error("usage ledger: {}: {}; it is kept as {}", journalPath, why, aside);
        } catch (IOException e) {
            LOG.error("usage ledger: {}: {}; it could not be kept aside ({})", journalPath, why, e.getMessage());
        }
    }

    /** Reads {@code into.length} bytes of a ring of {@code ring} bytes in {@code journal}, from file offset {@code from}. */
    private static void readRing(FileChannel journal, int ring, long from, byte[] into) throws IOException {
        int done = 0;
        while (done < into.length) {
            int at = (int) ((from + done) % ring);
            int n = Math.min(into.length - done, ring - at);
            ByteBuffer piece = ByteBuffer.wrap(into, done, n);
            while (piece.hasRemaining()) {
                if (journal.read(piece, HEADER + (long) at + (n - piece.remaining())) < 0) {
                    throw new IOException("the journal ends early");
                }
            }
            done += n;
        }
    }

    /**
     * Appends the first {@code length} of {@code bytes} and a newline; returns where the line
     * starts. Waits for the writer only when the ring is full; IOException when the writer failed.
     */
    long append(byte[] bytes, int length) throws IOException {
        if (closing) {
            throw new IOException("the file is closed");
        }
        long start = end;
        long after = start + length + 1;
        long slack = overlap(ring);
        if (length + 1 + slack > ring) {
            throw new IOException("a line of " + length + " bytes does not fit the journal's ring of " + ring);
        }
        if (after + slack - written > ring) {
            awaitWritten(after + slack - ring);
        }
        put(start, bytes, length);
        journal.put(HEADER + (int) ((after - 1) % ring), (byte) '\n');
        // after the line's bytes: a process killed before this store has not appended it
        LONGS.setRelease(journal, AT_END, after);
        end = after;
        if (!asked && after - written > ring / 4) {
            asked = true;
            signal(work); // about once a quarter of the ring
        }
        return start;
    }

    private void put(long start, byte[] bytes, int length) {
        int at = (int) (start % ring);
        int n = Math.min(length, ring - at);
        journal.put(HEADER + at, bytes, 0, n);
        if (n < length) {
            journal.put(HEADER, bytes, n, length - n);
        }
    }

    /** Copies the bytes at {@code from} into {@code into}, whole. */
    void read(long from, byte[] into) throws IOException {
        awaitWritten(from + into.length);
        pieces(from, into.length, (segment, at, done, n) -> segment.get(at, into, done, n));
    }

    /** Feeds the {@code length} bytes at {@code from} to {@code digest}, copying nothing. */
    void digest(long from, int length, java.security.MessageDigest digest) throws IOException {
        awaitWritten(from + length);
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

    /**
     * Forces what was appended to the disk. The writer forces it, as nothing interrupts its thread:
     * a channel's force interrupted on the caller's would close the channel.
     */
    void force() throws IOException {
        awaitWriter(end, true);
    }

    /** Waits, uninterrupted, until the file holds the lines up to {@code offset}; IOException if the writer failed. */
    private void awaitWritten(long offset) throws IOException {
        if (written < offset) {
            awaitWriter(offset, false);
        }
    }

    /**
     * Asks the writer to come now and waits, uninterrupted, until the file holds the lines up to
     * {@code offset} — forced to disk too when {@code force} — or the writer failed (IOException).
     */
    private void awaitWriter(long offset, boolean force) throws IOException {
        lock.lock();
        try {
            while ((force ? forced : written) < offset) {
                if (failed != null) {
                    throw stopped();
                }
                forceAsked |= force;
                asked = true;
                work.signal();
                moved.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private IOException stopped() {
        return new IOException("the usage ledger's writer stopped: " + failed.getMessage(), failed);
    }

    /**
     * The writer: moves what was appended to the file every {@link #writeEveryNanos}, or at once
     * when asked, until closed. Nothing else runs on its thread, which nothing interrupts (an
     * interrupted thread's channel write would close the channel).
     */
    private void write() {
        while (true) {
            lock.lock();
            try {
                long until = System.nanoTime() + writeEveryNanos;
                for (long left = writeEveryNanos; !closing && !asked && left > 0; left = until - System.nanoTime()) {
                    work.awaitNanos(left);
                }
            } catch (InterruptedException ignored) {
                // nothing interrupts this thread; the file is written as if it had timed out
            } finally {
                lock.unlock();
            }
            boolean last = closing;
            try {
                moveToFile();
                if (forceAsked) {
                    forceAsked = false;
                    long to = written;
                    channel.force(false);
                    forced = to;
                    signal(moved);
                }
            } catch (Throwable e) { // whatever stops the writer must wake those waiting for it
                failed = e instanceof IOException io ? io : new IOException(e.toString(), e);
                signal(moved);
                LOG.error("usage ledger: cannot write {} to the file: {}", journalPath, e.toString());
                return;
            }
            if (last) {
                return;
            }
        }
    }

    /** Writes the lines appended since the last time to the file. Only the writer calls this, or close once the writer stopped. */
    private void moveToFile() throws IOException {
        long to = end;
        long from = written;
        asked = false;
        while (from < to) {
            int at = (int) (from % ring);
            int n = (int) Math.min(to - from, ring - at);
            ByteBuffer piece = journal.slice(HEADER + at, n);
            while (piece.hasRemaining()) {
                channel.write(piece, from + (n - piece.remaining()));
            }
            from += n;
        }
        if (to > 0) {
            segment(to - 1); // mapped for reading now: after close the channel maps no more
        }
        written = to;
        signal(moved);
    }

    private void signal(Condition condition) {
        lock.lock();
        try {
            condition.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The read map holding {@code offset}, made with those before it when missing (only the writer, or close, reads beyond them). */
    private MappedByteBuffer segment(long offset) throws IOException {
        int index = Math.toIntExact(offset / SEGMENT);
        if (index >= segments.size()) {
            synchronized (segments) {
                while (segments.size() <= index) {
                    long at = segments.size() * SEGMENT;
                    segments.add(Uninterrupted.call(() -> channel.map(FileChannel.MapMode.READ_ONLY, at, SEGMENT)));
                }
            }
        }
        return segments.get(index);
    }

    /**
     * Moves the last lines to the file, forces it to disk, cuts it to its lines and removes the
     * journal. The maps stay (the garbage collector unmaps them): what was appended can still be
     * read; nothing more may be appended.
     */
    @Override
    public void close() throws IOException {
        closing = true;
        signal(work);
        Uninterrupted.join(writer);
        try {
            if (failed != null) {
                throw stopped();
            }
            Uninterrupted.call(() -> {
                moveToFile();
                channel.force(true);
                channel.truncate(end);
                channel.force(true);
                return null;
            });
            forced = end;
        } finally {
            if (failed == null && forced < end) {
                failed = new IOException("the file was closed before its last lines were written");
            }
            signal(moved); // whoever waits for the writer, gone now, is answered: all done, or failed
            channel.close();
            if (pinned) {
                PinnedPages.unlock(journal);
            }
            journalChannel.close();
        }
        Files.delete(journalPath); // only once the file holds every line: a journal left says what it may lack
    }
}
