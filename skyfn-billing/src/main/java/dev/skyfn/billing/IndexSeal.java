package dev.skyfn.billing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a ledger closed cleanly leaves beside its index files ({@code index/sealed}): how many
 * entries they index, the length of {@code entries.log} then (bytes), the tree's root over those
 * entries, and the tenants in the order of their numbers — so that opening again maps the index
 * rather than reading and hashing every entry. Taken away as the ledger opens: an index left by a
 * ledger that did not close cleanly is never used.
 *
 * @param entries how many entries the index holds
 * @param bytes   the length of {@code entries.log} when it closed
 * @param stamp   {@code entries.log}'s last modification and file key then ({@link #stampOf}):
 *                a file written or replaced since is not the one indexed
 * @param root    the tree's root over the entries (RFC 9162 MTH, 32 bytes)
 * @param tenants each tenant's name, at its number in the index
 */
record IndexSeal(long entries, long bytes, String stamp, byte[] root, List<String> tenants) {

    private static final Logger LOG = LoggerFactory.getLogger(IndexSeal.class);
    private static final String FILE = "sealed";
    private static final String FORMAT = "skyfn-ledger-index 1";

    /** Writes the seal into {@code index}, whole or not at all, and forces it to disk. */
    void write(Path index) throws IOException {
        var text = new StringBuilder(FORMAT).append('\n').append(entries).append('\n').append(bytes).append('\n')
                .append(stamp).append('\n').append(HexFormat.of().formatHex(root)).append('\n');
        tenants.forEach(t -> text.append(t).append('\n'));
        Path made = index.resolve(FILE + ".new");
        try (FileChannel out = FileChannel.open(made, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        Files.move(made, index.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(index);
    }

    /**
     * The seal in {@code index}, removed from the disk before this returns; empty when there is
     * none (the ledger did not close cleanly) or it cannot be read (logged).
     */
    static Optional<IndexSeal> take(Path index) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(index.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
        Files.delete(index.resolve(FILE));
        forceDirectory(index);
        try {
            if (lines.size() < 5 || !lines.getFirst().equals(FORMAT)) {
                throw new IllegalArgumentException("not a seal of this format");
            }
            byte[] root = HexFormat.of().parseHex(lines.get(4));
            if (root.length != MerkleTree.HASH_BYTES) {
                throw new IllegalArgumentException("a root of " + root.length + " bytes");
            }
            return Optional.of(new IndexSeal(Long.parseLong(lines.get(1)), Long.parseLong(lines.get(2)), lines.get(3), root,
                    new ArrayList<>(lines.subList(5, lines.size()))));
        } catch (IllegalArgumentException e) {
            LOG.warn("usage ledger: the index's seal in {} cannot be read ({}): the index is rebuilt", index, e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code file}'s last modification (ns since the epoch) and file key (device and inode on Linux), as a seal keeps them. */
    static String stampOf(Path file) throws IOException {
        var attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        return attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS) + " " + attributes.fileKey();
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
