package dev.skyfn.billing;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Merkle tree over an append-only list of entries, as RFC 9162 §2.1 defines it: SHA-256, a
 * leaf hashed as {@code HASH(0x00 || entry)}, an inner node as {@code HASH(0x01 || left || right)},
 * the left subtree of {@code n} leaves holding the largest power of two below {@code n}.
 * <p>
 * The tree keeps the hash of every complete, aligned subtree, so a root, an audit path
 * (§2.1.3.1) or a consistency proof (§2.1.4.1) for any earlier size costs O(log n) hashes; 2n
 * hashes of 32 bytes are kept for n entries — on the heap, or in files mapped from a directory
 * (a ledger's, whose tree grows for as long as its node meters). The static methods verify proofs with what a
 * client has (§2.1.3.2, §2.1.4.2), plus a proof for many leaves at once ({@link #multiProof}).
 * Thread-safe.
 */
public final class MerkleTree implements AutoCloseable {

    /** The bytes of a SHA-256 hash. */
    public static final int HASH_BYTES = 32;

    /** A mapped level's segment: the leaves' 64 MiB (two million hashes), each level above half the one below, 4 KiB at least. */
    private static final long MAPPED_SEGMENT = 64L << 20;
    private static final long HEAP_SEGMENT = 16L << 10;

    /** {@code levels.get(j).get(i)}: the hash of leaves {@code [i·2^j, (i+1)·2^j)}. */
    private final List<FixedWidthArray> levels = new ArrayList<>();
    /** Where the levels are mapped from; null: on the heap. */
    private final java.nio.file.Path dir;
    private final long leafSegment;

    /** A tree on the heap. */
    public MerkleTree() {
        this(null, 0);
    }

    /**
     * A tree whose hashes are in files mapped from {@code dir} (made if missing, its files made
     * empty; removed at {@link #close}): a tree that grows with every usage record stays out of
     * the heap.
     */
    public static MerkleTree mapped(java.nio.file.Path dir) {
        try {
            return new MerkleTree(java.nio.file.Files.createDirectories(dir), MAPPED_SEGMENT);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot make " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A tree mapped from {@code dir}, its leaves' level in segments of {@code leafSegment} bytes; null: on the heap. */
    MerkleTree(java.nio.file.Path dir, long leafSegment) {
        this.dir = dir;
        this.leafSegment = leafSegment;
        levels.add(level(0));
    }

    private MerkleTree(java.nio.file.Path dir, long leafSegment, List<FixedWidthArray> kept) {
        this.dir = dir;
        this.leafSegment = leafSegment;
        levels.addAll(kept);
    }

    /**
     * The tree of {@code size} leaves that {@link #closeKeeping} left in {@code dir}, mapped again:
     * level j holds size / 2^j hashes. IOException when a level's file is missing or short; whether
     * the hashes are right is the caller's to check (its root against what it knew).
     */
    static MerkleTree reopened(java.nio.file.Path dir, long size) throws java.io.IOException {
        List<FixedWidthArray> kept = new ArrayList<>();
        try {
            for (int j = 0; j == 0 || (size >> j) > 0; j++) {
                kept.add(FixedWidthArray.reopened(levelFile(dir, j), HASH_BYTES, levelSegment(MAPPED_SEGMENT, j), size >> j));
            }
        } catch (java.io.IOException | RuntimeException e) {
            kept.forEach(FixedWidthArray::close);
            throw e;
        }
        return new MerkleTree(dir, MAPPED_SEGMENT, kept);
    }

    /**
     * The first leaf (of the first {@code size}) under a node that is not the hash of its two
     * children, or -1 when every node is: how a tree kept on disk is checked. Read level by level
     * without holding the tree: a long check does not hold up appends. Gives up, answering -1, once
     * {@code stop} says so.
     */
    long firstWrongNode(long size, java.util.function.BooleanSupplier stop) {
        List<FixedWidthArray> held;
        synchronized (this) {
            check(size);
            held = List.copyOf(levels);
        }
        for (int j = 1; j < held.size() && (size >> j) > 0; j++) {
            FixedWidthArray below = held.get(j - 1);
            FixedWidthArray level = held.get(j);
            for (long i = 0; i < size >> j; i++) {
                if ((i & 0xffff) == 0 && stop.getAsBoolean()) {
                    return -1;
                }
                if (!java.util.Arrays.equals(node(below.get(2 * i), below.get(2 * i + 1)), level.get(i))) {
                    return i << j;
                }
            }
        }
        return -1;
    }

    /** Forces a mapped tree's hashes to disk and keeps its files for {@link #reopened}. */
    synchronized void closeKeeping() throws java.io.IOException {
        for (FixedWidthArray level : levels) {
            level.closeKeeping();
        }
    }

    private FixedWidthArray level(int j) {
        return dir == null ? FixedWidthArray.onHeap(HASH_BYTES, HEAP_SEGMENT)
                : FixedWidthArray.mapped(levelFile(dir, j), HASH_BYTES, levelSegment(leafSegment, j));
    }

    private static java.nio.file.Path levelFile(java.nio.file.Path dir, int j) {
        return dir.resolve(String.format("level-%02d", j));
    }

    /** A mapped level's segment: half the one below, 4 KiB at least. */
    private static long levelSegment(long leafSegment, int j) {
        return Math.max(4096, leafSegment >> j);
    }

    /** Removes a mapped tree's files; what it holds can still be read. */
    @Override
    public synchronized void close() {
        levels.forEach(FixedWidthArray::close);
    }

    /** Appends an entry already hashed as a leaf ({@link #leafHash}); returns its index. */
    public synchronized long append(byte[] leafHash) {
        if (leafHash.length != HASH_BYTES) {
            throw new IllegalArgumentException("a leaf hash is " + HASH_BYTES + " bytes, not " + leafHash.length);
        }
        FixedWidthArray leaves = levels.getFirst();
        long index = leaves.size();
        // room on every level this leaf completes a node of, before any is written: a leaf is added with its parents or not at all
        for (int l = 0; l <= Long.numberOfTrailingZeros(~index); l++) {
            if (levels.size() == l) {
                levels.add(level(l));
            }
            levels.get(l).reserve();
        }
        leaves.add(leafHash);
        int level = 0;
        long i = index;
        byte[] right = leafHash;
        while ((i & 1) == 1) { // a right child completed its parent
            FixedWidthArray below = levels.get(level);
            right = node(below.get(i - 1), right);
            levels.get(level + 1).add(right);
            level++;
            i >>= 1;
        }
        return index;
    }

    public synchronized long size() {
        return levels.getFirst().size();
    }

    /** The leaf hash at {@code index}. */
    public synchronized byte[] leaf(long index) {
        return levels.getFirst().get(index);
    }

    /** MTH of the first {@code size} entries; the hash of nothing for 0. */
    public synchronized byte[] root(long size) {
        check(size);
        return size == 0 ? sha256(new byte[0]) : hash(0, size);
    }

    /** The audit path of entry {@code index} in the tree of the first {@code size} entries (RFC 9162 §2.1.3.1). */
    public synchronized List<byte[]> inclusionProof(long index, long size) {
        check(size);
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("entry " + index + " is not in a tree of " + size);
        }
        List<byte[]> path = new ArrayList<>();
        path(index, 0, size, path);
        return path;
    }

    /** The consistency proof between the trees of {@code first} and {@code second} entries (RFC 9162 §2.1.4.1). */
    public synchronized List<byte[]> consistencyProof(long first, long second) {
        check(second);
        if (first < 0 || first > second) {
            throw new IllegalArgumentException("no consistency proof from " + first + " to " + second);
        }
        List<byte[]> proof = new ArrayList<>();
        if (first > 0 && first < second) {
            subproof(first, 0, second, true, proof);
        }
        return proof;
    }

    /**
     * The hashes a client holding the entries at {@code indices} (ascending, each below
     * {@code size}) needs to compute the root of {@code size} entries: the roots of the maximal
     * subtrees holding none of them, left to right. {@link #rootFrom} is its verifier. For k
     * entries it has at most k·log2(size) hashes, usually far fewer: a tenant proves a month of
     * its records with one walk of the tree.
     */
    public synchronized List<byte[]> multiProof(long[] indices, long size) {
        check(size);
        List<byte[]> proof = new ArrayList<>();
        walk(indices, 0, indices.length, 0, size, proof);
        return proof;
    }

    private void walk(long[] indices, int from, int to, long start, long end, List<byte[]> proof) {
        if (from == to) {
            proof.add(hash(start, end));
            return;
        }
        if (end - start == 1) {
            return; // the client has this leaf
        }
        long k = split(end - start);
        int mid = firstAtOrAbove(indices, from, to, start + k);
        walk(indices, from, mid, start, start + k, proof);
        walk(indices, mid, to, start + k, end, proof);
    }

    private void path(long index, long start, long end, List<byte[]> path) {
        if (end - start == 1) {
            return;
        }
        long k = split(end - start);
        if (index < start + k) {
            path(index, start, start + k, path);
            path.add(hash(start + k, end));
        } else {
            path(index, start + k, end, path);
            path.add(hash(start, start + k));
        }
    }

    private void subproof(long m, long start, long end, boolean whole, List<byte[]> proof) {
        long n = end - start;
        if (m == n) {
            if (!whole) {
                proof.add(hash(start, end));
            }
            return;
        }
        long k = split(n);
        if (m <= k) {
            subproof(m, start, start + k, whole, proof);
            proof.add(hash(start + k, end));
        } else {
            subproof(m - k, start + k, end, false, proof);
            proof.add(hash(start, start + k));
        }
    }

    /** MTH of entries {@code [start, end)}; a power-of-two span starting at a multiple of itself is kept. */
    private byte[] hash(long start, long end) {
        long n = end - start;
        if (Long.bitCount(n) == 1) {
            int level = Long.numberOfTrailingZeros(n);
            return levels.get(level).get(start >> level);
        }
        long k = split(n);
        return node(hash(start, start + k), hash(start + k, end));
    }

    private void check(long size) {
        if (size < 0 || size > levels.getFirst().size()) {
            throw new IllegalArgumentException("no tree of " + size + " entries; the log holds " + levels.getFirst().size());
        }
    }

    // --- what a client computes ---

    /** A digest of this thread's, reset, fed the leaf prefix {@code 0x00}: the caller feeds the entry and takes the digest. */
    static MessageDigest leafDigest() {
        return leafDigest(digest());
    }

    /** {@code d}, fed the leaf prefix {@code 0x00} (it is reset by its last digest): the caller feeds the entry and takes the digest. */
    static MessageDigest leafDigest(MessageDigest d) {
        d.update((byte) 0);
        return d;
    }

    /** {@code HASH(0x00 || entry)}. */
    public static byte[] leafHash(byte[] entry) {
        MessageDigest d = digest();
        d.update((byte) 0);
        return d.digest(entry);
    }

    /** {@code HASH(0x01 || left || right)}. */
    public static byte[] node(byte[] left, byte[] right) {
        MessageDigest d = digest();
        d.update((byte) 1);
        d.update(left);
        return d.digest(right);
    }

    /** Whether {@code path} proves leaf {@code index} with {@code leafHash} in the tree of {@code size} with {@code root} (RFC 9162 §2.1.3.2). */
    public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = node(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /** Whether {@code proof} shows the tree of {@code second} entries extends that of {@code first} (RFC 9162 §2.1.4.2). */
    public static boolean verifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> proof) {
        if (first < 0 || first > second) {
            return false;
        }
        if (first == second) {
            return proof.isEmpty() && Arrays.equals(firstRoot, secondRoot);
        }
        if (first == 0) {
            return proof.isEmpty();
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(first) == 1) {
            path.addFirst(firstRoot);
        }
        long fn = first - 1;
        long sn = second - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.getFirst();
        byte[] sr = path.getFirst();
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = node(c, fr);
                sr = node(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = node(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(fr, firstRoot) && Arrays.equals(sr, secondRoot);
    }

    /**
     * The root of a tree of {@code size} entries computed from the leaf hashes of entries at
     * {@code indices} (ascending) and the {@code proof} {@link #multiProof} gave; empty when the
     * proof does not fit (too short, too long, indices out of order or out of the tree).
     */
    public static java.util.Optional<byte[]> rootFrom(long[] indices, byte[][] leafHashes, List<byte[]> proof, long size) {
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= size || (i > 0 && indices[i] <= indices[i - 1])) {
                return java.util.Optional.empty();
            }
        }
        if (size == 0) {
            return indices.length == 0 && proof.isEmpty() ? java.util.Optional.of(sha256(new byte[0])) : java.util.Optional.empty();
        }
        int[] next = {0};
        byte[] root = fold(indices, leafHashes, 0, indices.length, 0, size, proof, next);
        return root != null && next[0] == proof.size() ? java.util.Optional.of(root) : java.util.Optional.empty();
    }

    /**
     * The root of entries {@code start}..{@code end} from the leaves at {@code from}..{@code to}
     * and the proof's hashes from {@code next[0]} on, which it moves past those it used; null when
     * the proof runs short. A subtree of {@value #FOLDED_APART} leaves or more folds its halves on
     * two threads, the right one's proof hashes starting after the count the left one needs: a
     * month of a tenant's records is a million leaves, and as many nodes to hash.
     */
    private static byte[] fold(long[] indices, byte[][] leaves, int from, int to, long start, long end, List<byte[]> proof, int[] next) {
        if (from == to) {
            return next[0] < proof.size() ? proof.get(next[0]++) : null;
        }
        if (end - start == 1) {
            return leaves[from];
        }
        long k = split(end - start);
        int mid = firstAtOrAbove(indices, from, to, start + k);
        if (to - from < FOLDED_APART) {
            byte[] left = fold(indices, leaves, from, mid, start, start + k, proof, next);
            byte[] right = left == null ? null : fold(indices, leaves, mid, to, start + k, end, proof, next);
            return right == null ? null : node(left, right);
        }
        int rightFirst = next[0] + needed(indices, from, mid, start, start + k);
        var left = java.util.concurrent.ForkJoinTask.adapt(() -> fold(indices, leaves, from, mid, start, start + k, proof, next)).fork();
        int[] rightNext = {rightFirst};
        byte[] right = fold(indices, leaves, mid, to, start + k, end, proof, rightNext);
        byte[] leftRoot = left.join();
        next[0] = rightNext[0];
        return leftRoot == null || right == null ? null : node(leftRoot, right);
    }

    /** Leaves at which a subtree's halves are folded on two threads. */
    private static final int FOLDED_APART = 1 << 15;

    /** How many proof hashes the fold of a subtree takes: one per largest subtree holding none of the leaves. */
    private static int needed(long[] indices, int from, int to, long start, long end) {
        if (from == to) {
            return 1;
        }
        if (to - from == end - start) {
            return 0; // every entry is one of the leaves (the indices ascend, each once)
        }
        long k = split(end - start);
        int mid = firstAtOrAbove(indices, from, to, start + k);
        return needed(indices, from, mid, start, start + k) + needed(indices, mid, to, start + k, end);
    }

    private static int firstAtOrAbove(long[] indices, int from, int to, long value) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (indices[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The largest power of two below {@code n} (n ≥ 2). */
    private static long split(long n) {
        return Long.highestOneBit(n - 1);
    }

    static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    /** One digest per thread, reset after each use: getting a new one costs as much as hashing a leaf. */
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(dev.skyfn.core.Sha256::digest);

    private static MessageDigest digest() {
        MessageDigest d = DIGEST.get();
        d.reset();
        return d;
    }
}
