package dev.skyfn.nats.packages;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * App packages in the JetStream object store, named by their SHA-256 digest: a package is stored
 * once however many apps and versions share it, and a node that fetches one checks the bytes it
 * got against the name before anything runs them.
 */
public final class PackageStore {

    public static final String BUCKET = "skyfn-packages";

    private final ObjectStore store;
    /** Where a stored package waits for its copy in the state mirror before a deploy is acknowledged. */
    private final Engine engine;

    PackageStore(Engine engine, ObjectStore store) {
        this.engine = engine;
        this.store = store;
    }

    public static PackageStore open(Engine engine) {
        return new PackageStore(engine, engine.objectStore(BUCKET));
    }

    /** Stores the package {@code jar} whose digest is {@code sha256}, unless it is stored already. */
    public void put(String sha256, Path jar) {
        Js.run("storing package " + sha256, () -> {
            ObjectInfo existing = store.getInfo(sha256);
            if (existing != null && !existing.isDeleted()) {
                return;
            }
            try (InputStream in = Files.newInputStream(jar)) {
                store.put(sha256, in);
            }
            engine.awaitCopied("OBJ_" + store.getStatus().getBucketName());
        });
    }

    /**
     * Fetches the package {@code sha256} to {@code target}, which only ever holds a whole package
     * whose bytes match the digest.
     *
     * @throws PackageMismatchException when the stored bytes do not match their name
     * @throws IllegalStateException    when there is no such package
     */
    public void fetch(String sha256, Path target) {
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        try {
            MessageDigest digest = dev.skyfn.core.Sha256.digest();
            Js.run("fetching package " + sha256, () -> {
                ObjectInfo info = store.getInfo(sha256);
                if (info == null || info.isDeleted()) {
                    throw new IllegalStateException("no package " + sha256 + " in the package store");
                }
                try (OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), digest)) {
                    store.get(sha256, out);
                }
            });
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equals(sha256)) {
                throw new PackageMismatchException("package " + sha256 + " arrived with digest " + got + "; it was not used");
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // a stray partial file is overwritten by the next fetch
            }
        }
    }

    /** Deletes the package {@code sha256}, when no app uses it any more. */
    public void delete(String sha256) {
        Js.run("deleting package " + sha256, () -> {
            ObjectInfo info = store.getInfo(sha256);
            if (info != null && !info.isDeleted()) {
                store.delete(sha256);
            }
        });
    }

    /** The package's bytes did not match the digest they are stored under. */
    public static final class PackageMismatchException extends RuntimeException {
        PackageMismatchException(String message) {
            super(message);
        }
    }
}
