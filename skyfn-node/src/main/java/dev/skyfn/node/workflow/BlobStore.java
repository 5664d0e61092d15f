package dev.skyfn.node.workflow;

import dev.skyfn.control.AtomicFiles;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.workflow.StepRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The large values of workflow executions, a file each under {@code <dir>/<execution>/<blob>}: what
 * a step record refers to by name instead of holding (SAND's data layer for references). Written a
 * chunk at a time, forced to disk with the last chunk, removed with their execution; the bytes a
 * tenant's executions hold are bounded.
 */
final class BlobStore {

    private final Path dir;
    private final long quotaPerTenant;
    private final Map<String, AtomicLong> bytesByTenant = new ConcurrentHashMap<>();
    /** Blobs being forced to disk, by execution/blob. */
    private final Map<String, CompletableFuture<Void>> forcing = new ConcurrentHashMap<>();

    BlobStore(Path dir, long quotaPerTenant) {
        this.dir = dir;
        this.quotaPerTenant = quotaPerTenant;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts an execution's blobs found on disk at start against its tenant. */
    void adopt(String tenant, String execution) {
        try (var files = Files.list(dir.resolve(execution))) {
            long bytes = files.mapToLong(BlobStore::size).sum();
            bytesByTenant.computeIfAbsent(tenant, t -> new AtomicLong()).addAndGet(bytes);
        } catch (NoSuchFileException none) {
            // an execution without large values
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends a chunk to a blob. The last one starts forcing the blob to disk, in the background:
     * whoever records a reference to the blob waits for {@link #durable} first, the writer does not.
     */
    void append(String tenant, String execution, String blob, byte[] chunk, boolean last) {
        AtomicLong used = bytesByTenant.computeIfAbsent(tenant, t -> new AtomicLong());
        if (used.addAndGet(chunk.length) > quotaPerTenant) {
            used.addAndGet(-chunk.length);
            throw new SkyfnException(ErrorCode.QUOTA_EXCEEDED, "the tenant's workflow executions hold more than "
                    + quotaPerTenant + " bytes of large values; let executions end or remove old ones");
        }
        Path file = file(execution, blob);
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buf = ByteBuffer.wrap(chunk);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            }
            if (last) {
                forcing.put(execution + "/" + blob, CompletableFuture.runAsync(() -> force(file), Thread.ofVirtual()::start));
            }
        } catch (IOException e) {
            used.addAndGet(-chunk.length);
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "cannot write a value of execution " + execution + ": " + e.getMessage());
        }
    }

    private static void force(Path file) {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Completes once the blob is on disk (at once for a blob that was already there). */
    CompletableFuture<Void> durable(String execution, String blob) {
        CompletableFuture<Void> f = forcing.remove(execution + "/" + blob);
        return f != null ? f : CompletableFuture.completedFuture(null);
    }

    /** Up to {@code max} bytes of a blob from {@code offset}; empty at its end. */
    byte[] read(String execution, String blob, long offset, int max) {
        try (FileChannel in = FileChannel.open(file(execution, blob), StandardOpenOption.READ)) {
            long left = Math.max(0, in.size() - offset);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.min(max, StepRecord.CHUNK_BYTES), left));
            while (buf.hasRemaining() && in.read(buf, offset + buf.position()) > 0) {
                // read until full
            }
            return buf.array();
        } catch (NoSuchFileException e) {
            throw new SkyfnException(ErrorCode.NOT_FOUND, "execution " + execution + " has no value " + blob);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.UNAVAILABLE, "cannot read a value of execution " + execution + ": " + e.getMessage());
        }
    }

    boolean exists(String execution, String blob) {
        return Files.isRegularFile(file(execution, blob));
    }

    long size(String execution, String blob) {
        return size(file(execution, blob));
    }

    InputStream open(String execution, String blob) throws IOException {
        return Files.newInputStream(file(execution, blob));
    }

    /** Removes an execution's blobs. */
    void remove(String tenant, String execution) {
        Path folder = dir.resolve(execution);
        if (!Files.isDirectory(folder)) {
            return;
        }
        forcing.keySet().removeIf(k -> k.startsWith(execution + "/"));
        try (var files = Files.list(folder)) {
            long bytes = files.mapToLong(BlobStore::size).sum();
            bytesByTenant.computeIfAbsent(tenant, t -> new AtomicLong()).addAndGet(-bytes);
            AtomicFiles.deleteTree(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a value's file is (or will be). */
    Path file(String execution, String blob) {
        if (!StepRecord.isBlobName(blob) || !StepRecord.isBlobName(execution)) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "not a value name: " + blob);
        }
        return dir.resolve(execution).resolve(blob);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
