package dev.skyfn.billing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * (RFC 9162 §2.1), with tree heads signed by the node's key (§4.10). A record is written to the
 * file before the call that it meters answers its caller, so a node killed at any moment bills
 * every call that completed; the file is forced to disk at each signed head. A record's leaf is
 * its canonical JSON, exactly as the file holds it on one line.
 * <p>
 * Files in its directory: {@code entries.log} (one record per line) and {@code heads.log} (one
 * signed head per line). Opening checks the entries against every head signed before: entries
 * changed, removed or reordered since are reported by {@link #problems()} (and by a tenant's
 * verification), never repaired.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    private static final byte NEWLINE = '\n';

    private final SigningKey key;
    private final Clock clock;
    private final FileChannel entries;
    private final FileChannel headsFile;
    private final MerkleTree tree = new MerkleTree();
    /** Where each entry starts in {@code entries.log}; one more than entries, the last being the end. */
    private final Longs offsets = new Longs();
    private final Map<String, Longs> byTenant = new HashMap<>();
    private final Map<String, Longs> startsByTenant = new HashMap<>();
    private final List<TreeHead> heads = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private Ledger(Path dir, SigningKey key, Clock clock) throws IOException {
        this.key = key;
        this.clock = clock;
        Files.createDirectories(dir);
        Path entriesPath = dir.resolve("entries.log");
        Path headsPath = dir.resolve("heads.log");
        offsets.add(0);
        if (Files.exists(entriesPath)) {
            load(entriesPath);
        }
        if (Files.exists(headsPath)) {
            loadHeads(headsPath);
        }
        entries = FileChannel.open(entriesPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        entries.truncate(offsets.last()); // a line torn by a crash is dropped: its call never answered
        entries.position(offsets.last());
        headsFile = FileChannel.open(headsPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        checkHeads();
    }

    /** The ledger in {@code dir}, made when it does not exist; heads are signed by {@code key}. */
    public static Ledger open(Path dir, SigningKey key, Clock clock) {
        try {
            return new Ledger(dir, key, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the usage ledger in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Appends a record; returns its index. Written to the file (not yet forced) when this returns. */
    public long append(UsageRecord record) {
        byte[] leaf = record.canonical();
        byte[] line = Arrays.copyOf(leaf, leaf.length + 1);
        line[leaf.length] = NEWLINE;
        byte[] hash = MerkleTree.leafHash(leaf);
        synchronized (this) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    entries.write(buffer);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the usage ledger: " + e.getMessage(), e);
            }
            long index = tree.append(hash);
            offsets.add(offsets.last() + line.length);
            index(record, index);
            return index;
        }
    }

    /**
     * Signs a head for the tree as it is now, forcing the entries to disk first, unless the last
     * head already covers it; returns the latest head (empty before the first entry).
     */
    public synchronized Optional<TreeHead> signHead() {
        long size = tree.size();
        TreeHead last = heads.isEmpty() ? null : heads.getLast();
        if (size == 0 || (last != null && last.size() == size)) {
            return Optional.ofNullable(last);
        }
        try {
            entries.force(false);
            TreeHead head = TreeHead.sign(size, Math.max(clock.millis(), last == null ? 0 : last.timestamp()), tree.root(size), key);
            headsFile.write(ByteBuffer.wrap((head.json() + "\n").getBytes(StandardCharsets.UTF_8)));
            headsFile.force(false);
            heads.add(head);
            return Optional.of(head);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sign a head of the usage ledger: " + e.getMessage(), e);
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

    public synchronized long size() {
        return tree.size();
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
        Selection picked = select(tenant, fromMillis, toMillis, head.size());
        long[] indices = picked.entries().stream().mapToLong(Entry::index).toArray();
        return new Proven(head, picked.entries(), tree.multiProof(indices, head.size()), picked.pending());
    }

    /** The records of {@code tenant} (every tenant's for null) that started in {@code [fromMillis, toMillis)}, in a head or not. */
    public List<UsageRecord> records(String tenant, long fromMillis, long toMillis) {
        return select(tenant, fromMillis, toMillis, size()).entries().stream().map(e -> UsageRecord.parse(e.leaf())).toList();
    }

    private Selection select(String tenant, long fromMillis, long toMillis, long size) {
        List<Long> picked = new ArrayList<>();
        long pending = 0;
        synchronized (this) {
            if (size > tree.size()) {
                throw new IllegalStateException("the ledger holds " + tree.size() + " entries, fewer than its signed head of " + size
                        + ": entries were removed");
            }
            Longs mine = tenant == null ? null : byTenant.getOrDefault(tenant, new Longs());
            Longs starts = tenant == null ? null : startsByTenant.getOrDefault(tenant, new Longs());
            long count = mine == null ? tree.size() : mine.size();
            for (int i = 0; i < count; i++) {
                long index = mine == null ? i : mine.get(i);
                if (index >= size) {
                    pending++;
                } else if (mine == null || (starts.get(i) >= fromMillis && starts.get(i) < toMillis)) {
                    picked.add(index);
                }
            }
        }
        List<Entry> found = new ArrayList<>(picked.size());
        for (long index : picked) {
            byte[] leaf = leaf(index);
            if (tenant == null) { // the operator's view: every tenant's records, filtered by time here
                long start = UsageRecord.parse(leaf).start();
                if (start < fromMillis || start >= toMillis) {
                    continue;
                }
            }
            found.add(new Entry(index, leaf));
        }
        return new Selection(found, pending);
    }

    private record Selection(List<Entry> entries, long pending) {
    }

    /** RFC 9162's consistency proof between two sizes the ledger has held. */
    public List<byte[]> consistency(long first, long second) {
        return tree.consistencyProof(first, second);
    }

    /** RFC 9162's audit path of one entry in the tree of {@code size}. */
    public List<byte[]> inclusion(long index, long size) {
        return tree.inclusionProof(index, size);
    }

    /** The exact bytes of entry {@code index}. */
    public byte[] leaf(long index) {
        long start;
        long end;
        synchronized (this) {
            start = offsets.get(index);
            end = offsets.get(index + 1) - 1;
        }
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(end - start));
        try {
            while (buffer.hasRemaining()) {
                if (entries.read(buffer, start + buffer.position()) < 0) {
                    throw new IOException("entry " + index + " ends early");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the usage ledger: " + e.getMessage(), e);
        }
        return buffer.array();
    }

    @Override
    public synchronized void close() {
        try {
            entries.force(false);
            entries.close();
            headsFile.close();
        } catch (IOException e) {
            LOG.warn("closing the usage ledger: {}", e.getMessage());
        }
    }

    /** Records with the proof that a head holds them. */
    public record Proven(TreeHead head, List<Entry> entries, List<byte[]> proof, long pending) {
    }

    /** One entry of the ledger: its index and its exact bytes (a record's canonical JSON). */
    public record Entry(long index, byte[] leaf) {
    }

    private void index(UsageRecord record, long index) {
        byTenant.computeIfAbsent(record.tenant(), t -> new Longs()).add(index);
        startsByTenant.computeIfAbsent(record.tenant(), t -> new Longs()).add(record.start());
    }

    private void load(Path path) throws IOException {
        long offset = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            int b;
            while ((b = in.read()) >= 0) {
                offset++;
                if (b != NEWLINE) {
                    line.write(b);
                    continue;
                }
                byte[] leaf = line.toByteArray();
                line.reset();
                long index = tree.append(MerkleTree.leafHash(leaf));
                offsets.add(offset);
                try {
                    index(UsageRecord.parse(leaf), index);
                } catch (IllegalArgumentException e) {
                    problems.add("entry " + index + " is not a usage record: " + e.getMessage());
                }
            }
            if (line.size() > 0) {
                LOG.warn("the usage ledger's last line was torn by a crash ({} bytes); dropped", line.size());
            }
        }
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
        for (TreeHead head : heads) {
            if (!head.verify(key)) {
                problems.add("the head of " + head.size() + " entries signed at " + head.timestamp() + " does not carry this node's signature");
            } else if (head.size() > tree.size()) {
                problems.add("the head of " + head.size() + " entries signed at " + head.timestamp() + " covers more than the "
                        + tree.size() + " entries left: entries were removed");
            } else if (!Arrays.equals(tree.root(head.size()), head.rootHash())) {
                problems.add("the first " + head.size() + " entries no longer have the root signed at " + head.timestamp()
                        + ": entries were changed, removed or reordered");
            }
        }
        problems.forEach(p -> LOG.error("usage ledger: {}", p));
    }

    /** A growable array of longs. */
    private static final class Longs {
        private long[] values = new long[16];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long get(long i) {
            return values[Math.toIntExact(i)];
        }

        long last() {
            return values[size - 1];
        }

        int size() {
            return size;
        }
    }
}
