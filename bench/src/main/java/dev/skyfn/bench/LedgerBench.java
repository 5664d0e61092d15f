package dev.skyfn.bench;

import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.SigningKey;
import dev.skyfn.billing.TreeHead;
import dev.skyfn.billing.UsageRecord;
import dev.skyfn.billing.Verifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The usage ledger on its own: how many records a second it absorbs (written to its file,
 * hashed into the tree; one thread, then two), and what a tenant's month costs to prove and
 * verify — {@code records} of one tenant among as many of others, one head, the proof of all of
 * them fetched at once and checked as {@code skyfn bills verify} checks it.
 */
final class LedgerBench {

    private final int records;

    LedgerBench(int records) {
        this.records = records;
    }

    String run() {
        Path dir = temp();
        SigningKey key = SigningKey.generate();
        long start = System.currentTimeMillis() - 30L * 24 * 3600 * 1000;
        double single;
        double two;
        double callerMicros;
        double processMicros;
        long heapBefore = usedHeap();
        try (Ledger ledger = Ledger.open(dir, key, Clock.systemUTC())) {
            for (int i = 0; i < 20_000; i++) { // warm-up, a tenant of its own
                ledger.append(record("warm", i, start));
            }
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime();
            long process0 = os.getProcessCpuTime();
            long caller0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < records; i++) {
                ledger.append(record("acme", i, start + i));
            }
            single = records / ((System.nanoTime() - t0) / 1e9);
            callerMicros = (threads.getCurrentThreadCpuTime() - caller0) / 1e3 / records;
            processMicros = (os.getProcessCpuTime() - process0) / 1e3 / records;
            long t1 = System.nanoTime();
            Thread[] writers = new Thread[2];
            for (int w = 0; w < writers.length; w++) {
                int from = w;
                writers[w] = Thread.ofPlatform().start(() -> {
                    for (int i = from; i < records; i += 2) {
                        ledger.append(record("others", i, start + i));
                    }
                });
            }
            for (Thread t : writers) {
                t.join();
            }
            two = records / ((System.nanoTime() - t1) / 1e9);
            long h0 = System.nanoTime();
            TreeHead head = ledger.signHead().orElseThrow();
            double signMs = (System.nanoTime() - h0) / 1e6;
            // what the node's heap holds for the ledger once its tree and index are built
            double heapPerEntry = (usedHeap() - heapBefore) / (2.0 * records + 20_000);
            long p0 = System.nanoTime();
            Ledger.Proven proven = ledger.entries("acme", 0, Long.MAX_VALUE, head);
            double proveMs = (System.nanoTime() - p0) / 1e6;
            long v0 = System.nanoTime();
            Verifier.Report report = Verifier.verify(SigningKey.publicKey(ledger.publicKey()), "acme", List.of(head), Optional.empty(),
                    proven, null, Map.of());
            double verifyMs = (System.nanoTime() - v0) / 1e6;
            if (!report.ok() || report.records() != records) {
                throw new IllegalStateException("verification failed: " + report.failures());
            }
            ledger.close(); // as a node stops, then starts again: its index kept at close, sealed
            long o0 = System.nanoTime();
            Ledger reopened = Ledger.open(dir, key, Clock.systemUTC());
            long o1 = System.nanoTime();
            reopened.awaitChecked();
            long o2 = System.nanoTime();
            if (!reopened.openedKept() || !reopened.problems().isEmpty()) {
                throw new IllegalStateException("the ledger did not reopen with its kept index: " + reopened.problems());
            }
            reopened.close();
            double keptMs = (o1 - o0 + System.nanoTime() - o2) / 1e6; // opening and closing, the check apart
            double checkMs = (o2 - o1) / 1e6;
            Files.delete(dir.resolve("index").resolve("sealed")); // as a node killed before it closed leaves it
            long r0 = System.nanoTime();
            try (Ledger rebuilt = Ledger.open(dir, key, Clock.systemUTC())) {
                if (rebuilt.openedKept() || !rebuilt.problems().isEmpty()) {
                    throw new IllegalStateException("the ledger did not rebuild its index: " + rebuilt.problems());
                }
            }
            double openMs = (System.nanoTime() - r0) / 1e6;
            long bytes = Files.size(dir.resolve("entries.log"));
            return String.format("""
                    | | |
                    |---|---:|
                    | records absorbed, one writer | %,.0f /s |
                    | CPU a record, one writer: its own thread / the whole process | %.2f µs / %.2f µs |
                    | records absorbed, two writers | %,.0f /s |
                    | a record on disk | %d bytes |
                    | signing a head of %,d entries (forcing the file first) | %.0f ms |
                    | opening the ledger again after a clean close (its index kept), closing it | %.0f ms |
                    | … its entries checked against the kept index, in the background | %.0f ms |
                    | opening the ledger again after a crash (every entry read and hashed, the head checked) | %.0f ms |
                    | the ledger's heap, its tree and index built | %.1f bytes an entry |
                    | proving one tenant's %,d records (read, one proof of %d hashes) | %,.0f ms |
                    | **verifying them** (%,d leaf hashes, the proof, the signature) | **%,.0f ms** |

                    In-process (`bench/run ledger`, RECORDS=%d): %,d records of one tenant among %,d of others, written to the
                    ledger's file as nodes write them; the proof and the check are what `GET /v1/bills/records` and
                    `skyfn bills verify` do, without the HTTP transfer (about %,d MB of JSON).
                    """, single, callerMicros, processMicros, two, bytes / (2L * records + 20_000), 2L * records + 20_000, signMs, keptMs, checkMs, openMs, heapPerEntry, records, proven.proof().size(), proveMs,
                    records, verifyMs, records, records, records + 20_000, bytes / (2L * records + 20_000) * records / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(dir);
        }
    }

    private static UsageRecord record(String tenant, int i, long start) {
        String invocation = Long.toHexString(start) + Integer.toHexString(i) + "0b1e5e2d";
        return new UsageRecord(tenant, "shop", "checkout",
                UsageRecord.Kind.invocation, invocation, "n-1", "ondemand-us", start, 3 + i % 40, 256, 120, 480, 0, i % 500 == 0, "ok",
                (long) (40 + i % 900), null, new UsageRecord.UnitPrices(0.0000166667, 0, 0.0000002, 0.09));
    }

    /** The heap in use after a full collection (bytes). */
    private static long usedHeap() {
        var memory = java.lang.management.ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("skyfn-ledger-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try {
            dev.skyfn.control.AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
