package dev.skyfn.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 (FIPS 180-4) digests for paths taken per call or per event: a copy of one prototype,
 * where {@code MessageDigest.getInstance} would look the algorithm up among the security
 * providers each time (several times the cost of hashing a short input).
 */
public final class Sha256 {

    /**
     * Never updated, only copied: copies of it may be made on any thread at once. Null where the
     * provider's digests cannot be copied (some hardware tokens' providers): each is then got anew.
     */
    private static final MessageDigest PROTOTYPE = copyable();

    private Sha256() {
    }

    /** A fresh digest, nothing hashed yet. */
    public static MessageDigest digest() {
        try {
            return PROTOTYPE != null ? (MessageDigest) PROTOTYPE.clone() : fresh();
        } catch (CloneNotSupportedException e) {
            return fresh();
        }
    }

    private static MessageDigest copyable() {
        MessageDigest d = fresh();
        try {
            d.clone();
            return d;
        } catch (CloneNotSupportedException e) {
            return null;
        }
    }

    private static MessageDigest fresh() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** The 32-byte digest of {@code bytes}. */
    public static byte[] of(byte[] bytes) {
        return digest().digest(bytes);
    }
}
