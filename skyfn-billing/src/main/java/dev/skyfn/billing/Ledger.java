package dev.skyfn.billing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's usage ledger: every usage record it wrote, in order, as the leaves of a Merkle tree
 * (RFC 9162 §2.1), with tree heads signed by the node's key (§4.10). A record is in the page
 * cache — in the journal of {@link EntryFile} — before the call that it meters answers its caller,
 * so a node killed at any moment bills every call that completed; the file is forced to disk at
 * each signed head. An append costs a copy and the leaf's hash (about 0.3 µs for a record of 390
 * bytes); the leaves are added to the tree when it is next read. A record's leaf is its canonical
 * JSON, exactly as the file holds it on one line.
 * <p>
 * Files in its directory: {@code entries.log} (one record per line), {@code entries.log.journal}
 * while open (its last records, moved to {@code entries.log} within 50 ms) and {@code heads.log}
 * (one signed head per line); {@code index/} holds what is derived from them — the tree's
 * hashes, each entry's offset, start and tenant — in files mapped rather than in the heap (about
 * 84 bytes an entry), since a ledger grows for as long as its node meters. A ledger closed cleanly
 * keeps them, sealed ({@link IndexSeal}), and opens again without reading its entries, checking
 * them against the kept index in the background; any other opening rebuilds them by reading and
 * hashing every entry (about 2 s a million). Opening checks the entries against every head signed
 * before: entries changed, removed or reordered since are reported by {@link #problems()} (and by
 * a tenant's verification), never repaired.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    private static final byte NEWLINE = '\n';

    private final SigningKey key;
    private final Clock clock;
    private final EntryFile entries;
    private final FileChannel headsFile;
    /** The leaves added so far: appends hash them, the tree catches up when it is read ({@link #tree()}). */
    private final MerkleTree tree;
    /**
     * Where each entry starts in {@code entries.log}; one more than entries, the last being the end.
     * Written last for an entry: an index below its size has its start and tenant too, and is read
     * without the ledger's lock.
     */
    private final FixedWidthArray offsets;
    /** Each entry's call's start (epoch ms) and its tenant's number in {@link #tenantNumbers} (-1: not a usage record). */
    private final FixedWidthArray starts;
    private final FixedWidthArray tenants;
    private final Map<String, Integer> tenantNumbers = new HashMap<>();
    /** The tenant indexed last and its number: a node's records come in runs of one tenant's. */
    private String lastTenant;
    private int lastTenantNumber;
    private final List<TreeHead> heads = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private volatile boolean closed;
    /** Open until the first close has moved, forced and sealed everything: a second close waits for it. */
    private final java.util.concurrent.CountDownLatch shut = new java.util.concurrent.CountDownLatch(1);
    private boolean refusedToSign;
    private final Path indexDir;
    private final Path entriesPath;
    /** The seal of the index this ledger opened with, kept at its last close; null when it read every entry. */
    private final IndexSeal kept;
    /** Checks the entries against a kept index, after opening; null when the index was rebuilt. */
    private final Thread checker;

    /** Segments of the index's files: 64 MiB, eight million offsets or starts. */
    private static final long INDEX_SEGMENT = 64L << 20;

    /**
     * The buffer a record is written into, under the ledger's lock, before it is copied to the
     * file: one, used again by every append (a pool of them, taken and given back by each call
     * outside the lock, cost more than the half microsecond the lock is then held longer).
     */
    private final CanonicalRecord.Ascii scratch = new CanonicalRecord.Ascii(CanonicalRecord.SIZE);
    /** The digest an append hashes its leaf with, under the ledger's lock (not a thread's: calls append on virtual threads). */
    private final java.security.MessageDigest leafDigest = dev.skyfn.core.Sha256.digest();
    /**
     * Leaf hashes of the entries appended since the tree last caught up, {@link MerkleTree#HASH_BYTES}
     * each, the first of entry {@code hashedFrom}: an append hashes its record from the bytes in
     * hand, rather than the tree reading them back from the file's pages, which costs a minor page
     * fault every few records on top of the copy. Under {@link #hashedLock}, taken within the
     * ledger's lock by appends and within the tree's by its catch-up (close holds both, in that
     * order); at most {@value #HASHED_KEPT} kept, past that the tree reads the rest back from the
     * file.
     */
    private final Object hashedLock = new Object();
    private byte[] hashed = new byte[64 * MerkleTree.HASH_BYTES];
    /** The array the tree's last catch-up took, given back at the next: used under the tree's lock alone. */
    private byte[] spareHashes = new byte[64 * MerkleTree.HASH_BYTES];
    private int hashedCount;
    private long hashedFrom;
    /** Leaf hashes kept for the tree at most (1 MiB of them); a node's hashing task takes them every 250 ms. */
    private static final int HASHED_KEPT = 1 << 15;

    private Ledger(Path dir, SigningKey key, Clock clock) throws IOException {
        this.key = key;
        this.clock = clock;
        Files.createDirectories(dir);
        entriesPath = dir.resolve("entries.log");
        Path headsPath = dir.resolve("heads.log");
        indexDir = Files.createDirectories(dir.resolve("index"));
        IndexSeal seal = IndexSeal.take(indexDir).orElse(null);
        Index files = seal == null ? null : Index.kept(indexDir, seal, entriesPath);
        kept = files == null ? null : seal;
        if (files == null) {
            files = Index.fresh(indexDir);
            files.offsets().addLong(0);
        } else {
            seal.tenants().forEach(t -> tenantNumbers.put(t, tenantNumbers.size()));
        }
        tree = files.tree();
        offsets = files.offsets();
        starts = files.starts();
        tenants = files.tenants();
        // a line torn by a crash is dropped: its call never answered
        entries = EntryFile.open(entriesPath, kept == null ? 0 : kept.bytes(), Ledger::isRecord, (leaf, start) -> {
            try {
                index(UsageRecord.tenantOf(leaf), UsageRecord.startOf(leaf));
            } catch (IllegalArgumentException e) {
                problems.add("entry " + (offsets.size() - 1) + " is not a usage record: " + e.getMessage());
                index(null, 0);
            }
            offsets.addLong(start + leaf.length + 1);
        });
        FileChannel heads = null;
        try {
            if (Files.exists(headsPath)) {
                loadHeads(headsPath);
            }
            heads = FileChannel.open(headsPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            checkHeads();
        } catch (IOException | RuntimeException e) {
            // a ledger that does not open leaves nothing running or open: its journal's writer stops
            try (FileChannel opened = heads) {
                entries.close();
            } catch (IOException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            closeIndex();
            throw e;
        }
        headsFile = heads;
        checked = kept == null;
        checker = kept == null ? null : Thread.ofPlatform().daemon().name("usage-ledger-check").start(() -> checkKept(kept));
    }

    /** The index's files: the tree's levels and each entry's offset, start and tenant number. */
    private record Index(MerkleTree tree, FixedWidthArray offsets, FixedWidthArray starts, FixedWidthArray tenants) {

        /** Empty files, to be filled by reading every entry. */
        static Index fresh(Path dir) {
            return new Index(MerkleTree.mapped(dir), FixedWidthArray.mapped(dir.resolve("offsets"), Long.BYTES, INDEX_SEGMENT),
                    FixedWidthArray.mapped(dir.resolve("starts"), Long.BYTES, INDEX_SEGMENT),
                    FixedWidthArray.mapped(dir.resolve("tenants"), Integer.BYTES, INDEX_SEGMENT));
        }

        /**
         * The files {@code seal} describes, mapped again, when they and {@code entries.log} are as
         * it says — the file as long, no journal beside it, the offsets ending at its end, the
         * tree's root the one sealed; null (the files removed, logged) otherwise.
         */
        static Index kept(Path dir, IndexSeal seal, Path entriesPath) {
            long n = seal.entries();
            List<AutoCloseable> opened = new ArrayList<>();
            String why;
            try {
                MerkleTree tree = MerkleTree.reopened(dir, n);
                opened.add(tree);
                FixedWidthArray offsets = FixedWidthArray.reopened(dir.resolve("offsets"), Long.BYTES, INDEX_SEGMENT, n + 1);
                opened.add(offsets);
                FixedWidthArray starts = FixedWidthArray.reopened(dir.resolve("starts"), Long.BYTES, INDEX_SEGMENT, n);
                opened.add(starts);
                FixedWidthArray tenants = FixedWidthArray.reopened(dir.resolve("tenants"), Integer.BYTES, INDEX_SEGMENT, n);
                opened.add(tenants);
                if (Files.exists(entriesPath.resolveSibling(entriesPath.getFileName() + ".journal"))) {
                    why = "a journal of records appended after it is there";
                } else if (Files.size(entriesPath) != seal.bytes()) {
                    why = "entries.log is " + Files.size(entriesPath) + " bytes, not the " + seal.bytes() + " it was";
                } else if (!IndexSeal.stampOf(entriesPath).equals(seal.stamp())) {
                    why = "entries.log was written or replaced since";
                } else if (offsets.getLong(0) != 0 || offsets.getLong(n) != seal.bytes()) {
                    why = "its offsets do not span entries.log";
                } else if (!Arrays.equals(tree.root(n), seal.root())) {
                    why = "its tree's root is not the one sealed";
                } else if (new java.util.HashSet<>(seal.tenants()).size() != seal.tenants().size()) {
                    why = "it numbers a tenant twice";
                } else {
                    return new Index(tree, offsets, starts, tenants);
                }
            } catch (IOException | RuntimeException e) {
                why = e.getMessage();
            }
            LOG.warn("usage ledger: the index kept at close is not used ({}): it is rebuilt from entries.log", why);
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // made afresh next
                }
            }
            return null;
        }
    }

    /**
     * The key that signs the heads of the ledger in {@code dir}: its {@code node.key}, made when the
     * ledger has signed no head yet.
     *
     * @throws IOException when the key cannot be read or written, or is missing while
     *                     {@code heads.log} holds heads: a new key could sign no head over them
     *                     (the ledger would refuse every bill), so the lost key must be restored
     */
    public static SigningKey key(Path dir) throws IOException {
        Path file = dir.resolve("node.key");
        Path heads = dir.resolve("heads.log");
        if (!Files.exists(file) && Files.exists(heads) && Files.size(heads) > 0) {
            throw new IOException(file + " is missing, but " + heads + " holds heads signed with it: restore it (a new key"
                    + " could sign no head over them, and every bill would be refused)");
        }
        return SigningKey.loadOrCreate(file);
    }

    /** The ledger in {@code dir}, made when it does not exist; heads are signed by {@code key}. */
    public static Ledger open(Path dir, SigningKey key, Clock clock) {
        try {
            return new Ledger(dir, key, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the usage ledger in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends a record; returns its index. In the file's page cache when this returns (a killed
     * process keeps it); its leaf hashed, and added to the tree when the tree is next read.
     */
    public long append(UsageRecord record) {
        synchronized (this) {
            if (closed) {
                throw new UncheckedIOException(new IOException("the usage ledger is closed"));
            }
            CanonicalRecord.Ascii leaf = CanonicalRecord.write(record, scratch);
            try {
                // the index's room first: once the line is in the file, nothing may fail before its offset is kept
                starts.reserve();
                tenants.reserve();
                offsets.reserve();
                long start = entries.append(leaf.array(), leaf.size());
                long index = offsets.size() - 1;
                index(record.tenant(), record.start());
                offsets.addLong(start + leaf.size() + 1);
                hashed(index, leaf);
                return index;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the usage ledger: " + e.getMessage(), e);
            } finally {
                if (leaf.array().length > 4 * CanonicalRecord.SIZE) {
                    scratch.shrink(); // a record of unusual length does not keep its buffer's size
                }
            }
        }
    }

    /**
     * The tree, its leaves caught up with the entries appended, one catch-up at a time, without
     * holding appends up for longer than it takes to swap their leaf hashes out. The leaves of
     * entries appended since it opened were hashed by their appends; any others — a ledger's whole
     * file when it opens — are read back and hashed here.
     */
    private MerkleTree tree() {
        synchronized (tree) {
            long from;
            int count;
            byte[] hashes;
            synchronized (hashedLock) {
                from = hashedFrom;
                count = hashedCount;
                hashes = hashed;
                hashed = spareHashes; // not one allocated while appends wait
                hashedCount = 0;
            }
            // entries whose appends kept no hash, or kept it after this took the others, are read back: before and after the run
            long held = offsets.size() - 1;
            readBack(count == 0 ? held : from);
            byte[] hash = new byte[MerkleTree.HASH_BYTES];
            for (long i = Math.max(tree.size(), from); i < from + count; i++) {
                System.arraycopy(hashes, (int) (i - from) * MerkleTree.HASH_BYTES, hash, 0, hash.length);
                tree.append(hash);
            }
            readBack(held);
            spareHashes = hashes;
            return tree;
        }
    }

    /**
     * Keeps the leaf hash of entry {@code index}, just appended from {@code leaf}, for the tree:
     * added to the run of those kept unless the run is full or does not end just before it (the
     * tree then reads it back from the file).
     */
    private void hashed(long index, CanonicalRecord.Ascii leaf) {
        synchronized (hashedLock) {
            if (hashedCount == HASHED_KEPT || (hashedCount > 0 && hashedFrom + hashedCount != index)) {
                return;
            }
            if (hashedCount == 0) {
                hashedFrom = index;
            }
            int at = hashedCount * MerkleTree.HASH_BYTES;
            if (at == hashed.length) {
                hashed = Arrays.copyOf(hashed, 2 * hashed.length);
            }
            MerkleTree.leafDigest(leafDigest).update(leaf.array(), 0, leaf.size());
            try {
                leafDigest.digest(hashed, at, MerkleTree.HASH_BYTES);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException("a SHA-256 digest fits in 32 bytes", e);
            }
            hashedCount++;
        }
    }

    /**
     * The tree caught up to {@code held} entries with leaves read back from the file's pages: a
     * long catch-up — a ledger's whole file when it opens — hashed on every CPU,
     * {@value #HASHED_AT_ONCE} at a time, then added in order.
     */
    private void readBack(long held) {
        for (long from = tree.size(); from < held; ) {
            int n = (int) Math.min(held - from, HASHED_AT_ONCE);
            long first = from;
            var leaves = java.util.stream.IntStream.range(0, n);
            byte[][] hashes = new byte[n][];
            (n == HASHED_AT_ONCE ? leaves.parallel() : leaves).forEach(i -> hashes[i] = leafHash(first + i));
            for (byte[] hash : hashes) {
                tree.append(hash);
            }
            from += n;
        }
    }

    /** Leaves hashed at once by every CPU when a catch-up has this many or more. */
    private static final int HASHED_AT_ONCE = 1 << 16;

    /** The leaf hash of entry {@code i}, read in place in the file's pages. */
    private byte[] leafHash(long i) {
        var digest = MerkleTree.leafDigest();
        long start = offsets.getLong(i);
        try {
            entries.digest(start, (int) (offsets.getLong(i + 1) - start - 1), digest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the usage ledger: " + e.getMessage(), e);
        }
        return digest.digest();
    }

    /**
     * Hashes into the tree the entries appended since it was last caught up, without signing: done
     * often, it spreads the hashing that signing a head would otherwise do at once.
     */
    public void hash() {
        tree();
    }

    /**
     * Signs a head for the tree as it is now, forcing the entries to disk first, unless the last
     * head already covers it or the ledger has {@link #problems()} (no head is signed over entries
     * that no longer match what was signed); returns the latest head (empty before the first entry).
     */
    public Optional<TreeHead> signHead() {
        MerkleTree caughtUp = tree();
        long size = caughtUp.size();
        synchronized (this) {
            TreeHead last = heads.isEmpty() ? null : heads.getLast();
            if (size == 0 || (last != null && last.size() >= size)) {
                return Optional.ofNullable(last);
            }
            if (!problems.isEmpty()) {
                // a head over entries that no longer match what was signed would sign a second history
                if (!refusedToSign) {
                    LOG.error("usage ledger: no more heads are signed over it ({}); records are still written", problems.getFirst());
                    refusedToSign = true;
                }
                return Optional.ofNullable(last);
            }
        }
        try {
            entries.force(); // outside the lock: appends go on while the pages reach the disk
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the usage ledger: " + e.getMessage(), e);
        }
        synchronized (this) {
            TreeHead last = heads.isEmpty() ? null : heads.getLast();
            if (last != null && last.size() >= size) {
                return Optional.of(last); // another caller signed it meanwhile
            }
            try {
                TreeHead head = TreeHead.sign(size, Math.max(clock.millis(), last == null ? 0 : last.timestamp()), caughtUp.root(size), key);
                Uninterrupted.call(() -> {
                    headsFile.write(ByteBuffer.wrap((head.json() + "\n").getBytes(StandardCharsets.UTF_8)));
                    headsFile.force(false);
                    return null;
                });
                heads.add(head);
                return Optional.of(head);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot sign a head of the usage ledger: " + e.getMessage(), e);
            }
        }
    }

    public synchronized Optional<TreeHead> latestHead() {
        return heads.isEmpty() ? Optional.empty() : Optional.of(heads.getLast());
    }

    /** Every head signed, oldest first. */
    public synchronized List<TreeHead> heads() {
        return List.copyOf(heads);
    }

    public String publicKey() {
        return key.publicKey();
    }

    public long size() {
        return offsets.size() - 1;
    }

    /** What opening found wrong with the files: entries that no longer match a signed head. */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * The records of {@code tenant} (every tenant's for null) that started in
     * {@code [fromMillis, toMillis)} and are in the tree of {@code head}, with the proof that
     * they are ({@link MerkleTree#multiProof}); records written after the head are counted in
     * {@code pending}.
     */
    public Proven entries(String tenant, long fromMillis, long toMillis, TreeHead head) {
        checkedFirst();
        Selection picked = select(tenant, fromMillis, toMillis, head.size());
        long[] indices = picked.entries().stream().mapToLong(Entry::index).toArray();
        return new Proven(head, picked.entries(), tree().multiProof(indices, head.size()), picked.pending(), problems());
    }

    /**
     * The records of {@code tenant} (every tenant's for null) that started in {@code [fromMillis,
     * toMillis)}, in a head or not: what a bill is made of. IllegalStateException when the ledger
     * has {@link #problems()} (nothing is billed from a ledger that no longer matches its heads,
     * whichever tenant's entries changed), or when one of these no longer has the bytes the tree
     * holds for it (changed in the file: a problem from then on); IllegalArgumentException when
     * one is not a usage record.
     */
    public List<UsageRecord> records(String tenant, long fromMillis, long toMillis) {
        checkedFirst();
        synchronized (this) {
            if (!problems.isEmpty()) {
                throw new IllegalStateException(problems.getFirst() + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
            }
        }
        List<Entry> entries = select(tenant, fromMillis, toMillis, size()).entries();
        MerkleTree hashed = tree();
        List<UsageRecord> records = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (!Arrays.equals(MerkleTree.leafHash(e.leaf()), hashed.leaf(e.index()))) {
                String problem = "entry " + e.index() + " changed in the file since it was written";
                problem(problem);
                throw new IllegalStateException(problem);
            }
            records.add(UsageRecord.parse(e.leaf()));
        }
        return records;
    }

    private Selection select(String tenant, long fromMillis, long toMillis, long size) {
        List<Long> picked = new ArrayList<>();
        long pending = 0;
        // read without the lock, which appends take: a scan of a large ledger does not hold calls up
        long held = size();
        if (size > held) {
            throw new IllegalStateException("the ledger holds " + held + " entries, fewer than its signed head of " + size
                    + ": entries were removed");
        }
        int theirs;
        synchronized (this) {
            theirs = tenant == null ? -1 : tenantNumbers.getOrDefault(tenant, -2);
        }
        for (long i = 0; i < held && theirs != -2; i++) {
            if (tenant != null && tenants.getInt(i) != theirs) {
                continue;
            }
            if (i >= size) {
                pending++;
            } else if (tenant == null || (starts.getLong(i) >= fromMillis && starts.getLong(i) < toMillis)) {
                picked.add(i);
            }
        }
        List<Entry> found = new ArrayList<>(picked.size());
        for (long index : picked) {
            byte[] leaf = leaf(index);
            if (tenant == null) { // the operator's view: every tenant's records, filtered by time here
                long start;
                try {
                    start = UsageRecord.startOf(leaf);
                } catch (IllegalArgumentException notARecord) {
                    start = fromMillis; // kept: what reads it says what is wrong with it
                }
                if (start < fromMillis || start >= toMillis) {
                    continue;
                }
            } else if (!tenant.equals(tenantOrNull(leaf))) { // an index that lies would hand one tenant another's records
                String problem = "entry " + index + " is indexed as " + tenant + "'s and is not: index/ changed; it is rebuilt at the next"
                        + " opening";
                problem(problem);
                throw new IllegalStateException(problem);
            }
            found.add(new Entry(index, leaf));
        }
        return new Selection(found, pending);
    }

    private static String tenantOrNull(byte[] leaf) {
        try {
            return UsageRecord.tenantOf(leaf);
        } catch (IllegalArgumentException notARecord) {
            return null;
        }
    }

    private record Selection(List<Entry> entries, long pending) {
    }

    /** RFC 9162's consistency proof between two sizes the ledger has held. */
    public List<byte[]> consistency(long first, long second) {
        return tree().consistencyProof(first, second);
    }

    /** RFC 9162's audit path of one entry in the tree of {@code size}. */
    public List<byte[]> inclusion(long index, long size) {
        return tree().inclusionProof(index, size);
    }

    /**
     * The exact bytes of entry {@code index} (below {@link #size()}). Read without the ledger's
     * lock: it may wait for the file's writer, which appends must not.
     */
    public byte[] leaf(long index) {
        return read(index);
    }

    /**
     * Whether {@code leaf} is a usage record exactly as the ledger writes it (its canonical bytes):
     * what a ledger takes from its journal after a crash. A parse alone would take spliced bytes
     * of two records, which a lenient reader accepts.
     */
    private static boolean isRecord(byte[] leaf) {
        try {
            return UsageRecord.isCanonical(leaf);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private byte[] read(long index) {
        long start = offsets.getLong(index);
        byte[] leaf = new byte[Math.toIntExact(offsets.getLong(index + 1) - 1 - start)];
        try {
            entries.read(start, leaf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the usage ledger: " + e.getMessage(), e);
        }
        return leaf;
    }

    /**
     * Closes the ledger: its entries moved to {@code entries.log} and forced, and its index kept
     * beside them, sealed with the tree's root, so that it opens without reading every entry
     * again — unless the ledger has {@link #problems()}, or its kept index was still being checked:
     * then the next opening rebuilds the index from {@code entries.log}. A close while another is
     * under way returns once that one is done.
     */
    @Override
    public void close() {
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
        }
        if (!first) {
            Uninterrupted.await(shut); // not holding the lock: the first close takes it to close the files
            return;
        }
        try {
            if (checker != null) {
                Uninterrupted.join(checker); // not holding the lock: a checker that found a problem takes it to say so
            }
            synchronized (this) {
                closeFiles();
            }
        } finally {
            shut.countDown();
        }
    }

    private void closeFiles() {
        boolean clean = false;
        try (FileChannel heads = headsFile) {
            entries.close();
            clean = true;
        } catch (IOException e) {
            LOG.warn("closing the usage ledger: {}", e.getMessage());
        }
        if (clean && problems.isEmpty() && checked) {
            try {
                seal();
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("usage ledger: its index is not kept ({}): it is rebuilt at the next opening", e.getMessage());
            }
        }
        closeIndex();
    }

    /** Unmaps the index's files, unkept: the next opening rebuilds them. */
    private void closeIndex() {
        tree.close();
        offsets.close();
        starts.close();
        tenants.close();
    }

    /** Keeps the index's files, forced, and seals them with what the next opening checks them against. */
    private void seal() throws IOException {
        long n = tree().size();
        byte[] root = tree.root(n);
        String[] names = new String[tenantNumbers.size()];
        tenantNumbers.forEach((name, number) -> names[number] = name);
        for (String name : names) {
            if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) { // one a line in the seal, as it reads them back
                throw new IOException("a tenant's name the seal cannot hold: " + name.strip());
            }
        }
        tree.closeKeeping();
        offsets.closeKeeping();
        starts.closeKeeping();
        tenants.closeKeeping();
        new IndexSeal(n, offsets.getLong(n), IndexSeal.stampOf(entriesPath), root, List.of(names)).write(indexDir);
    }

    /**
     * Waits for the check of a kept index before a bill or a proof is made from it: until then,
     * which entries are whose and when rests on files changed or not while the ledger was closed.
     */
    private void checkedFirst() {
        if (checker != null && checker.isAlive()) {
            try {
                awaitChecked();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the ledger's index kept at close was checked");
            }
        }
    }

    /** Whether the entries were checked against the index since it opened: false while a kept index is being checked. */
    private volatile boolean checked;

    /** Whether this ledger opened with the index kept at its last close, rather than reading and hashing every entry. */
    public boolean openedKept() {
        return kept != null;
    }

    /**
     * Waits until the entries have been checked against the index kept at close, in the
     * background (at once when the index was rebuilt at opening); what the check found is in
     * {@link #problems()}.
     */
    public void awaitChecked() throws InterruptedException {
        if (checker != null) {
            checker.join();
        }
    }

    /**
     * Checks, in the background, what opening took on trust from a kept index: that each entry
     * still has the leaf hash, tenant and start kept for it, and each node of the tree the hash of
     * its two children. What differs is a {@link #problem} — {@code entries.log} or {@code index/}
     * changed while the ledger was closed — and the index is rebuilt at the next opening. Stops
     * early when the ledger closes.
     */
    private void checkKept(IndexSeal seal) {
        long began = System.nanoTime();
        Map<String, Integer> numbers = new HashMap<>();
        seal.tenants().forEach(t -> numbers.put(t, numbers.size()));
        try {
            for (long i = 0; i < seal.entries(); i++) {
                if (closed) {
                    return;
                }
                byte[] leaf = read(i);
                if (!Arrays.equals(MerkleTree.leafHash(leaf), tree.leaf(i))) {
                    problem("entry " + i + " does not have the leaf hash kept for it at close: entries.log or index/ changed while the"
                            + " ledger was closed; the index is rebuilt at the next opening");
                    return;
                }
                String tenant;
                long start;
                try {
                    tenant = UsageRecord.tenantOf(leaf);
                    start = UsageRecord.startOf(leaf);
                } catch (IllegalArgumentException notARecord) {
                    tenant = null;
                    start = 0;
                }
                if (tenants.getInt(i) != (tenant == null ? -1 : numbers.getOrDefault(tenant, -2)) || starts.getLong(i) != start) {
                    problem("entry " + i + " is not the tenant's or start kept for it at close: index/ changed while the ledger was"
                            + " closed; the index is rebuilt at the next opening");
                    return;
                }
            }
            long wrong = tree.firstWrongNode(seal.entries(), () -> closed);
            if (closed) {
                return;
            }
            if (wrong >= 0) {
                problem("the tree kept at close has a wrong node above entry " + wrong + ": index/ changed while the ledger was closed;"
                        + " the index is rebuilt at the next opening");
                return;
            }
            checked = true;
            LOG.info("usage ledger: {} entries checked against the index kept at close in {} ms", seal.entries(),
                    (System.nanoTime() - began) / 1_000_000);
        } catch (RuntimeException e) {
            problem("the index kept at close cannot be checked: " + e.getMessage() + "; it is rebuilt at the next opening");
        }
    }

    private void problem(String problem) {
        synchronized (this) {
            if (!problems.contains(problem)) {
                problems.add(problem);
                LOG.error("usage ledger: {}", problem);
            }
        }
    }

    /**
     * Records with the proof that a head holds them.
     *
     * @param problems what the ledger's keeper knows is wrong with it ({@link #problems()}): a
     *                 ledger with any signs no more heads, so its pending records will never be proven
     */
    public record Proven(TreeHead head, List<Entry> entries, List<byte[]> proof, long pending, List<String> problems) {
        public Proven {
            problems = List.copyOf(problems);
        }
    }

    /** One entry of the ledger: its index and its exact bytes (a record's canonical JSON). */
    public record Entry(long index, byte[] leaf) {
    }

    /** Indexes the next entry: its call's start and its tenant (null: not a usage record). */
    private void index(String tenant, long start) {
        int number;
        if (tenant == null) {
            number = -1;
        } else if (tenant.equals(lastTenant)) {
            number = lastTenantNumber;
        } else {
            number = tenantNumbers.computeIfAbsent(tenant, t -> tenantNumbers.size());
            lastTenant = tenant;
            lastTenantNumber = number;
        }
        starts.addLong(start);
        tenants.addInt(number);
    }

    private void loadHeads(Path path) throws IOException {
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                try {
                    heads.add(TreeHead.parse(line));
                } catch (IllegalArgumentException e) {
                    problems.add("a signed head cannot be read: " + e.getMessage());
                }
            }
        }
    }

    private void checkHeads() {
        var key = SigningKey.publicKey(publicKey());
        MerkleTree tree = tree();
        for (TreeHead head : heads) {
            if (!head.verify(key)) {
                problems.add("the head of " + head.size() + " entries signed at " + head.signedAt() + " does not carry this node's signature");
            } else if (head.size() > tree.size()) {
                problems.add("the head of " + head.size() + " entries signed at " + head.signedAt() + " covers more than the "
                        + tree.size() + " entries left: entries were removed");
            } else if (!Arrays.equals(tree.root(head.size()), head.rootHash())) {
                problems.add("the first " + head.size() + " entries no longer have the root signed at " + head.signedAt()
                        + ": entries were changed, removed or reordered");
            }
        }
        problems.forEach(p -> LOG.error("usage ledger: {}", p));
    }
}
