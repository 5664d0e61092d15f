package dev.skyfn.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {

    private static final HexFormat HEX = HexFormat.of();
    /** The entries and roots of RFC 6962's reference tests (Certificate Transparency), which RFC 9162 keeps. */
    private static final String[] ENTRIES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f"};
    private static final String[] ROOTS = {
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

    @Test
    void rootsAndAuditPathsAreThoseOfTheReferenceTree() {
        MerkleTree tree = reference();
        for (int size = 0; size <= ENTRIES.length; size++) {
            assertThat(HEX.formatHex(tree.root(size))).as("root of %d", size).isEqualTo(ROOTS[size]);
        }
        assertThat(hex(tree.inclusionProof(0, 8))).containsExactly(
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertThat(hex(tree.inclusionProof(5, 8))).containsExactly(
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    }

    @Test
    void everyProofOfEveryShapeVerifiesAndNothingElseDoes() {
        List<byte[]> leaves = new ArrayList<>();
        MerkleTree tree = new MerkleTree();
        for (int i = 0; i < 40; i++) {
            byte[] leaf = MerkleTree.leafHash(new byte[]{(byte) i, (byte) (i * 7)});
            leaves.add(leaf);
            tree.append(leaf);
        }
        for (int size = 1; size <= 40; size++) {
            byte[] root = tree.root(size);
            assertThat(root).isEqualTo(naiveRoot(leaves.subList(0, size)));
            for (int i = 0; i < size; i++) {
                List<byte[]> path = tree.inclusionProof(i, size);
                assertThat(MerkleTree.verifyInclusion(i, size, leaves.get(i), path, root)).isTrue();
                assertThat(MerkleTree.verifyInclusion(i, size, leaves.get((i + 1) % 40), path, root)).isFalse();
                if (size > 1) {
                    assertThat(MerkleTree.verifyInclusion((i + 1) % size, size, leaves.get(i), path, root)).isFalse();
                }
            }
            for (int first = 1; first <= size; first++) {
                List<byte[]> proof = tree.consistencyProof(first, size);
                assertThat(MerkleTree.verifyConsistency(first, size, tree.root(first), root, proof))
                        .as("%d → %d", first, size).isTrue();
                if (first < size) {
                    byte[] forged = tree.root(first).clone();
                    forged[0] ^= 1;
                    assertThat(MerkleTree.verifyConsistency(first, size, forged, root, proof)).isFalse();
                    assertThat(MerkleTree.verifyConsistency(first, size, tree.root(first), forged, proof)).isFalse();
                }
            }
        }
    }

    @Test
    void aMultiProofGivesTheRootForAnySetOfLeavesAndFailsForAnyOther() {
        MerkleTree tree = new MerkleTree();
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] leaf = MerkleTree.leafHash(("entry " + i).getBytes());
            leaves.add(leaf);
            tree.append(leaf);
        }
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            long size = 1 + random.nextInt(300);
            long[] indices = random.longs(random.nextInt(12), 0, size).distinct().sorted().toArray();
            byte[][] mine = new byte[indices.length][];
            for (int i = 0; i < indices.length; i++) {
                mine[i] = leaves.get((int) indices[i]);
            }
            List<byte[]> proof = tree.multiProof(indices, size);
            assertThat(MerkleTree.rootFrom(indices, mine, proof, size)).hasValueSatisfying(r -> assertThat(r).isEqualTo(tree.root(size)));
            if (indices.length > 0) {
                mine[0] = MerkleTree.leafHash("forged".getBytes());
                assertThat(MerkleTree.rootFrom(indices, mine, proof, size).orElseThrow()).isNotEqualTo(tree.root(size));
            }
            if (!proof.isEmpty()) {
                assertThat(MerkleTree.rootFrom(indices, mine, proof.subList(1, proof.size()), size)).isEmpty();
            }
        }
    }

    @Test
    void aMultiProofOfTensOfThousandsOfLeavesFoldedOnSeveralThreadsGivesTheRootAndFailsForAnyOther() {
        int size = 150_000;
        MerkleTree tree = new MerkleTree();
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            byte[] leaf = MerkleTree.leafHash(("entry " + i).getBytes());
            leaves.add(leaf);
            tree.append(leaf);
        }
        Random random = new Random(11);
        // a tenant's records in runs among others', every other entry, and nearly all entries
        for (java.util.function.LongPredicate mine : List.<java.util.function.LongPredicate>of(i -> (i / 5_000) % 3 != 1 || random.nextInt(50) == 0,
                i -> i % 2 == 0, i -> i != 77_777)) {
            long[] indices = java.util.stream.LongStream.range(0, size).filter(mine).toArray();
            byte[][] hashes = new byte[indices.length][];
            for (int i = 0; i < indices.length; i++) {
                hashes[i] = leaves.get((int) indices[i]);
            }
            List<byte[]> proof = tree.multiProof(indices, size);
            assertThat(MerkleTree.rootFrom(indices, hashes, proof, size)).hasValueSatisfying(r -> assertThat(r).isEqualTo(tree.root(size)));
            List<byte[]> longer = new ArrayList<>(proof);
            longer.add(leaves.get(0));
            assertThat(MerkleTree.rootFrom(indices, hashes, longer, size)).isEmpty();
            assertThat(MerkleTree.rootFrom(indices, hashes, proof.subList(0, proof.size() - 1), size)).isEmpty();
            hashes[indices.length / 3] = MerkleTree.leafHash("forged".getBytes());
            assertThat(MerkleTree.rootFrom(indices, hashes, proof, size).orElseThrow()).isNotEqualTo(tree.root(size));
        }
    }

    private static MerkleTree reference() {
        MerkleTree tree = new MerkleTree();
        for (String e : ENTRIES) {
            tree.append(MerkleTree.leafHash(HEX.parseHex(e)));
        }
        return tree;
    }

    /** RFC 9162 §2.1.1 as written, for comparison. */
    @Test
    void aTreeOnTheHeapAndOneMappedFromFilesHoldTheSameHashesAcrossTheirSegments(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        // more leaves than a heap segment holds (512), and mapped segments of 8 KiB (256 leaves; 128 hashes a level above)
        int n = 5_000;
        List<byte[]> leaves = new ArrayList<>();
        try (MerkleTree mapped = new MerkleTree(dir, 8192)) {
            MerkleTree heap = new MerkleTree();
            for (int i = 0; i < n; i++) {
                byte[] leaf = MerkleTree.leafHash(java.nio.ByteBuffer.allocate(4).putInt(i).array());
                leaves.add(leaf);
                heap.append(leaf);
                mapped.append(leaf);
            }
            for (int size : new int[] {1, 511, 512, 513, 4096, 4097, n}) {
                byte[] root = naiveRoot(leaves.subList(0, size));
                assertThat(heap.root(size)).as("heap root of %d", size).isEqualTo(root);
                assertThat(mapped.root(size)).as("mapped root of %d", size).isEqualTo(root);
            }
            assertThat(hex(mapped.inclusionProof(4321, n))).isEqualTo(hex(heap.inclusionProof(4321, n)));
            assertThat(mapped.leaf(4999)).isEqualTo(leaves.get(4999));
            assertThat(java.nio.file.Files.list(dir).count()).as("a file per level").isEqualTo(13);
        }
        assertThat(java.nio.file.Files.list(dir).count()).as("removed when closed").isZero();
    }

    private static byte[] naiveRoot(List<byte[]> leaves) {
        if (leaves.size() == 1) {
            return leaves.getFirst();
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return MerkleTree.node(naiveRoot(leaves.subList(0, k)), naiveRoot(leaves.subList(k, leaves.size())));
    }

    private static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(HEX::formatHex).toList();
    }
}
