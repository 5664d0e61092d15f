package dev.skyfn.node.data;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * An append-only file of records, each {@code [length][crc32c][bytes]}. Appends are written in
 * order by one thread and forced to disk in groups: everything queued while one force runs goes
 * to disk with the next, so a record costs a share of one {@code fsync}, not one of its own. An
 * append's future completes once its record is on disk.
 *
 * <p>Opening replays the records. A record whose checksum fails (a byte changed on the disk) is
 * skipped; a length no record has, or a record cut short (a crash in the middle of a write), ends
 * the log there: the file is cut back to the last whole record, and what it held after that is
 * kept beside it in {@code <file>.unreadable-<epoch ms>} and logged, not destroyed. A write the
 * disk refuses (full, say) is cut back, so that the records after it stay readable.
 */
public final class AppendLog implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AppendLog.class);

    private record Pending(byte[] record, CompletableFuture<Void> durable) {
    }

    private final Path file;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private FileChannel channel;
    private volatile long size;
    private volatile boolean closed;

    private AppendLog(Path file, long validLength) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channel.truncate(validLength);
        channel.position(validLength);
        this.size = validLength;
        this.writer = Thread.ofPlatform().daemon().name("append-log-" + file.getFileName()).start(this::writeForever);
    }

    /** Opens the log, handing every whole record to {@code replay} first. */
    public static AppendLog open(Path file, Consumer<byte[]> replay) {
        try {
            Files.createDirectories(file.getParent());
            long valid = Files.exists(file) ? replay(file, replay) : 0;
            return new AppendLog(file, valid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads records until the end or the first torn one; returns the length up to there. */
    private static long replay(Path file, Consumer<byte[]> sink) throws IOException {
        ChecksummedRecords.Read read = ChecksummedRecords.read(file, 0, Integer.MAX_VALUE, sink);
        if (read.trouble() != null) {
            LOG.warn("{} {}", file, read.trouble());
        }
        return read.end();
    }

    /** Appends a record; the future completes when it is on disk. */
    public CompletableFuture<Void> append(byte[] record) {
        var pending = new Pending(record, new CompletableFuture<>());
        if (closed) {
            pending.durable().completeExceptionally(new IOException("the log " + file + " is closed"));
        } else {
            queue.add(pending);
        }
        return pending.durable();
    }

    /** Appends and waits until the record is on disk. */
    public void appendDurably(byte[] record) {
        append(record).join();
    }

    /** Waits until every record appended before this call is on disk. */
    public void sync() {
        append(null).join();
    }

    /** Bytes in the file. */
    public long size() {
        return size;
    }

    /**
     * Replaces the whole log with {@code records} (compaction), atomically: written to a new file,
     * forced, renamed over the old one. Appends queued meanwhile go to the new file.
     */
    public synchronized void rewrite(Iterable<byte[]> records) {
        Path next = file.resolveSibling(file.getFileName() + ".rewrite");
        try (FileChannel out = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long written = 0;
            for (byte[] r : records) {
                written += write(out, r);
            }
            out.force(true);
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            channel.close();
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            channel.position(written);
            size = written;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeForever() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
                continue;
            }
            queue.drainTo(batch);
            writeBatch(batch);
            batch.clear();
        }
    }

    private synchronized void writeBatch(List<Pending> batch) {
        long start = size;
        try {
            long written = 0;
            for (Pending p : batch) {
                if (p.record() != null) {
                    written += write(channel, p.record());
                }
            }
            channel.force(false);
            size += written;
            batch.forEach(p -> p.durable().complete(null));
        } catch (IOException e) {
            // a record torn in the middle would end a replay there, before the records written after it
            try {
                channel.truncate(start);
                channel.position(start);
            } catch (IOException cut) {
                e.addSuppressed(cut);
            }
            batch.forEach(p -> p.durable().completeExceptionally(e));
        }
    }

    private static long write(FileChannel out, byte[] record) throws IOException {
        ByteBuffer header = ChecksummedRecords.header(record);
        ByteBuffer body = ByteBuffer.wrap(record);
        while (header.hasRemaining() || body.hasRemaining()) {
            out.write(new ByteBuffer[]{header, body});
        }
        return ChecksummedRecords.HEADER + record.length;
    }

    /** Writes what is queued, then closes. */
    @Override
    public void close() {
        // what was appended before is written first: the writer stops at its interrupt, and would drop what it had not taken
        try {
            append(null).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // closed already, or the disk does not answer: what is queued is lost either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        writer.interrupt();
        try {
            writer.join(10_000);
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
