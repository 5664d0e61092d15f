package dev.skyfn.billing;

import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A signed tree head: the ledger's promise that its first {@code size} entries have the Merkle
 * root {@code root} (RFC 9162 §4.10). What is signed is RFC 9162's {@code TreeHeadDataV2}
 * (§4.9): {@code timestamp} (uint64, ms), {@code tree_size} (uint64), {@code root_hash}
 * (one length byte, then the hash) and no extensions (a uint16 0).
 *
 * @param size      how many entries the tree holds
 * @param timestamp when it was signed (epoch ms)
 * @param root      its Merkle root, hex
 * @param signature the ledger key's Ed25519 signature of the above, base64
 */
public record TreeHead(long size, long timestamp, String root, String signature) {

    private static final HexFormat HEX = HexFormat.of();

    /** The head of a tree of {@code size} entries with {@code root}, signed now by {@code key}. */
    public static TreeHead sign(long size, long timestamp, byte[] root, SigningKey key) {
        return new TreeHead(size, timestamp, HEX.formatHex(root), Base64.getEncoder().encodeToString(key.sign(data(size, timestamp, root))));
    }

    /** Whether {@code key} signed this head as it reads. */
    public boolean verify(PublicKey key) {
        try {
            return SigningKey.verify(key, data(size, timestamp, rootHash()), Base64.getDecoder().decode(signature));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** When it was signed, as people read it in messages. */
    public Instant signedAt() {
        return Instant.ofEpochMilli(timestamp);
    }

    /** The root as bytes; IllegalArgumentException when it is not a hex SHA-256. */
    public byte[] rootHash() {
        byte[] bytes = HEX.parseHex(root);
        if (bytes.length != MerkleTree.HASH_BYTES) {
            throw new IllegalArgumentException("a root is " + MerkleTree.HASH_BYTES + " bytes, not " + bytes.length);
        }
        return bytes;
    }

    /** The head as one line of JSON. */
    public String json() {
        return "{\"size\":" + size + ",\"timestamp\":" + timestamp + ",\"root\":\"" + root + "\",\"signature\":\"" + signature + "\"}";
    }

    /** Reads {@link #json()}; IllegalArgumentException saying why when it is not a tree head. */
    public static TreeHead parse(String json) {
        try {
            var node = dev.skyfn.core.Documents.JSON.readTree(json);
            if (node == null || !node.path("size").canConvertToLong() || !node.path("timestamp").canConvertToLong()
                    || !node.path("root").isTextual() || !node.path("signature").isTextual()) {
                throw new IllegalArgumentException("a tree head has a size, a timestamp, a root and a signature: " + json);
            }
            return new TreeHead(node.get("size").asLong(), node.get("timestamp").asLong(), node.get("root").asText(),
                    node.get("signature").asText());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("not a tree head: " + dev.skyfn.core.Documents.why(e), e);
        }
    }

    private static byte[] data(long size, long timestamp, byte[] root) {
        return ByteBuffer.allocate(8 + 8 + 1 + root.length + 2)
                .putLong(timestamp).putLong(size).put((byte) root.length).put(root).putShort((short) 0)
                .array();
    }
}
