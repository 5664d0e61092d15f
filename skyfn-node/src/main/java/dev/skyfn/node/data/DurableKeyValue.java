package dev.skyfn.node.data;

import dev.skyfn.core.data.KeyValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded global data layer: entries in memory, every change appended to a log on disk before
 * the call returns (changes of concurrent callers share one {@code fsync}). Opening replays the log;
 * when it grows to twice what it holds, it is rewritten as a snapshot of the entries.
 */
public final class DurableKeyValue implements KeyValue, AutoCloseable {

    private static final int PUT = 1;
    private static final int DELETE = 2;
    private static final int CLEAR = 3;
    private static final long MIN_COMPACT_BYTES = 64L << 20;

    private final MemoryKeyValue memory;
    private final AppendLog log;
    /** Changes are applied and logged in the same order under this lock; the wait for the disk is outside it. */
    private final Object order = new Object();

    public DurableKeyValue(Path file, long quotaBytesPerTenant, int maxValueBytes) {
        this.memory = new MemoryKeyValue(quotaBytesPerTenant, maxValueBytes);
        this.log = AppendLog.open(file, this::replay);
    }

    @Override
    public Optional<byte[]> get(String scope, String key) {
        return memory.get(scope, key);
    }

    @Override
    public void put(String scope, String key, byte[] value) {
        CompletableFuture<Void> durable;
        synchronized (order) {
            memory.put(scope, key, value);
            durable = log.append(record(PUT, scope, key, value));
        }
        settle(durable);
    }

    @Override
    public boolean delete(String scope, String key) {
        CompletableFuture<Void> durable;
        synchronized (order) {
            if (!memory.delete(scope, key)) {
                return false;
            }
            durable = log.append(record(DELETE, scope, key, null));
        }
        settle(durable);
        return true;
    }

    @Override
    public boolean compareAndSet(String scope, String key, byte[] expected, byte[] value) {
        CompletableFuture<Void> durable;
        synchronized (order) {
            if (!memory.compareAndSet(scope, key, expected, value)) {
                return false;
            }
            durable = log.append(record(value == null ? DELETE : PUT, scope, key, value));
        }
        settle(durable);
        return true;
    }

    @Override
    public void clear(String scope) {
        CompletableFuture<Void> durable;
        synchronized (order) {
            memory.clear(scope);
            durable = log.append(record(CLEAR, scope, "", null));
        }
        settle(durable);
    }

    @Override
    public long bytes(String tenant) {
        return memory.bytes(tenant);
    }

    /** Waits for the change to be on disk, then compacts the log if it has grown too large. */
    private void settle(CompletableFuture<Void> durable) {
        durable.join();
        if (log.size() > MIN_COMPACT_BYTES) {
            compactIfLarge();
        }
    }

    private void compactIfLarge() {
        synchronized (order) {
            List<byte[]> snapshot = new ArrayList<>();
            long[] live = new long[1];
            memory.forEach((scope, key, value) -> {
                byte[] r = record(PUT, scope, key, value);
                live[0] += r.length;
                snapshot.add(r);
            });
            if (log.size() > 2 * live[0]) {
                log.rewrite(snapshot);
            }
        }
    }

    private void replay(byte[] record) {
        try (var in = new DataInputStream(new ByteArrayInputStream(record))) {
            int op = in.readByte();
            String scope = in.readUTF();
            String key = in.readUTF();
            switch (op) {
                case PUT -> memory.restore(scope, key, in.readNBytes(in.readInt()));
                case DELETE -> memory.delete(scope, key);
                case CLEAR -> memory.clear(scope);
                default -> throw new IOException("unknown record " + op);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replay the data log", e);
        }
    }

    private static byte[] record(int op, String scope, String key, byte[] value) {
        var bytes = new ByteArrayOutputStream(32 + (value == null ? 0 : value.length));
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(op);
            out.writeUTF(scope);
            out.writeUTF(key);
            if (value != null) {
                out.writeInt(value.length);
                out.write(value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() {
        log.close();
    }
}
