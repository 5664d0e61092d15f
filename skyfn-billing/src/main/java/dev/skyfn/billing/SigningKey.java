package dev.skyfn.billing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * An Ed25519 key pair (RFC 8032, the JDK's), kept in a file only its owner reads: what a node
 * signs its usage records with and the ledger its tree heads. The public key travels as the
 * base64 of its X.509 SubjectPublicKeyInfo.
 */
public final class SigningKey {

    private static final String ALGORITHM = "Ed25519";
    private final PrivateKey secret;
    private final PublicKey key;

    private SigningKey(PrivateKey secret, PublicKey key) {
        this.secret = secret;
        this.key = key;
    }

    /** A new key pair, kept nowhere. */
    public static SigningKey generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            return new SigningKey(pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
        }
    }

    /**
     * The key pair in {@code file} (two lines: private key in PKCS #8, public key, both base64),
     * made and written with mode 0600 when the file does not exist.
     */
    public static SigningKey loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            String[] lines = Files.readString(file, StandardCharsets.US_ASCII).strip().split("\n");
            if (lines.length != 2) {
                throw new IOException(file + " is not a signing key: two lines expected, found " + lines.length);
            }
            try {
                KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
                return new SigningKey(factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines[0]))),
                        publicKey(lines[1]));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException(file + " is not a signing key: " + e.getMessage(), e);
            }
        }
        SigningKey made = generate();
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Base64.getEncoder().encodeToString(made.secret.getEncoded()) + "\n" + made.publicKey() + "\n",
                StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return made;
    }

    /** The public key, base64 of its X.509 encoding. */
    public String publicKey() {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    public byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(secret);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    /** Reads a public key written by {@link #publicKey()}; IllegalArgumentException when it is not an Ed25519 key. */
    public static PublicKey publicKey(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /** Whether {@code signature} is {@code key}'s over {@code data}; false for a malformed signature. */
    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
