package dev.skyfn.node.metering;

import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.TreeHead;
import dev.skyfn.billing.UsageRecord;
import dev.skyfn.control.AtomicFiles;
import dev.skyfn.nats.usage.UsageLogs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a fleet node's usage ledger to JetStream ({@link UsageLogs}), in order: entries as they
 * are appended, then each signed head once the entries it covers are copied. How far it got is
 * kept in {@code <data>/billing/shipped} ({@code <entries> <head size>}), written once the
 * stream has acknowledged; a node stopped or killed starts again from there, and what it copies
 * a second time the stream keeps once (by record id) and readers skip (by index). While JetStream
 * cannot be reached, entries wait in the node's ledger.
 */
public final class LedgerShipping implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerShipping.class);
    /** Entries copied in one go, at most: bounds the memory a long backlog holds. */
    private static final int BATCH = 10_000;
    /** A message's size at most, bytes: well below the 1 MiB a NATS server takes by default. */
    static final int RUN_BYTES = 256 * 1024;

    private final Ledger ledger;
    private final UsageLogs logs;
    private final String node;
    private final Path cursor;
    private final Thread loop;
    private volatile boolean closed;
    private long entries;
    private long headSize;

    private LedgerShipping(Ledger ledger, UsageLogs logs, String node, Path cursor, Duration every) throws IOException {
        this.ledger = ledger;
        this.logs = logs;
        this.node = node;
        this.cursor = cursor;
        if (Files.exists(cursor)) {
            String[] at = Files.readString(cursor).strip().split(" ");
            entries = Long.parseLong(at[0]);
            headSize = Long.parseLong(at[1]);
        }
        this.loop = Thread.ofVirtual().name("ledger shipping").start(() -> {
            while (!closed) {
                ship();
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Starts copying {@code ledger} of {@code node}, every {@code every}; publishes its key first. */
    public static LedgerShipping start(Ledger ledger, UsageLogs logs, String node, Path dataDir, Duration every) {
        logs.key(node, ledger.publicKey());
        try {
            return new LedgerShipping(ledger, logs, node, dataDir.resolve("billing").resolve("shipped"), every);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read how far the usage ledger was copied: " + e.getMessage(), e);
        }
    }

    /** Copies what is new; false when JetStream did not take it (tried again next time). */
    synchronized boolean ship() {
        try {
            long size = ledger.size();
            while (entries < size) {
                long to = Math.min(size, entries + BATCH);
                List<CompletableFuture<Void>> acks = new ArrayList<>();
                Run run = null;
                for (long i = entries; i < to; i++) {
                    byte[] leaf = ledger.leaf(i);
                    String tenant = UsageRecord.tenantOf(leaf);
                    if (run != null && !run.takes(tenant, leaf)) {
                        acks.add(logs.copy(node, run.first, run.tenant, run.leaves));
                        run = null;
                    }
                    if (run == null) {
                        run = new Run(i, tenant);
                    }
                    run.add(leaf);
                }
                if (run != null) {
                    acks.add(logs.copy(node, run.first, run.tenant, run.leaves));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
                entries = to;
                save();
            }
            for (TreeHead head : ledger.heads()) {
                if (head.size() > headSize && head.size() <= entries) {
                    logs.head(node, head);
                    headSize = head.size();
                    save();
                }
            }
            return true;
        } catch (RuntimeException | IOException e) {
            LOG.warn("usage records not copied to the fleet's log yet ({} of {}): {}", entries, ledger.size(), e.getMessage());
            return false;
        }
    }

    /** Consecutive entries of one tenant, copied as one message of at most {@value #RUN_BYTES} bytes. */
    private static final class Run {
        final long first;
        final String tenant;
        final List<byte[]> leaves = new ArrayList<>();
        int bytes;

        Run(long first, String tenant) {
            this.first = first;
            this.tenant = tenant;
        }

        boolean takes(String tenant, byte[] leaf) {
            return this.tenant.equals(tenant) && bytes + leaf.length + 1 <= RUN_BYTES;
        }

        void add(byte[] leaf) {
            leaves.add(leaf);
            bytes += leaf.length + 1;
        }
    }

    private void save() throws IOException {
        AtomicFiles.write(cursor, (entries + " " + headSize + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Stops, after a last copy of the heads signed at close. */
    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ship();
    }
}
