package dev.skyfn.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 (FIPS 180-4) digests for paths taken per call or per event: a copy of one prototype,
 * where {@code MessageDigest.getInstance} would look the algorithm up among the security
 * providers each time (several times the cost of hashing a short input).
 */
public final class Sha256 {

    /** Never updated, only copied: copies of it may be made on any thread at once. */
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
            PROTOTYPE.clone(); // fails here, once, if the provider's digests cannot be copied
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Sha256() {
    }

    /** A fresh digest, nothing hashed yet. */
    public static MessageDigest digest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e); // checked when the class loaded
        }
    }

    /** The 32-byte digest of {@code bytes}. */
    public static byte[] of(byte[] bytes) {
        return digest().digest(bytes);
    }
}
