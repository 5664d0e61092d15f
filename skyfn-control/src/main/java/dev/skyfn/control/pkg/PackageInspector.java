package dev.skyfn.control.pkg;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.ManifestReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Checks an uploaded jar before anything runs it: size, entry paths, the manifest, and that each
 * handler class is there and has a usable shape. Reads class files as data; it never loads a
 * tenant's code into the control plane.
 */
public final class PackageInspector {

    private static final int MAX_MANIFEST_BYTES = 1 << 20;

    private final PackageLimits limits;

    public PackageInspector(PackageLimits limits) {
        this.limits = limits;
    }

    public PackageLimits limits() {
        return limits;
    }

    /** Saves an upload to {@code target}, refusing it as soon as it passes the size limit, and inspects it. */
    public AppPackage receive(InputStream upload, Path target) {
        try (var out = Files.newOutputStream(target)) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = upload.read(buf)) > 0; ) {
                total += n;
                if (total > limits.maxPackageBytes()) {
                    throw new SkyfnException(ErrorCode.PACKAGE_TOO_LARGE,
                            "the package is larger than " + limits.maxPackageBytes() + " bytes, the limit");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inspect(target);
    }

    public AppPackage inspect(Path jar) {
        long size = size(jar);
        if (size > limits.maxPackageBytes()) {
            throw new SkyfnException(ErrorCode.PACKAGE_TOO_LARGE,
                    "the package is " + size + " bytes; the limit is " + limits.maxPackageBytes());
        }
        try (ZipFile zip = open(jar)) {
            checkEntries(zip);
            Manifest manifest = manifest(zip);
            var handlers = new HandlerCheck(zip);
            for (FunctionSpec fn : manifest.functions().values()) {
                handlers.check(fn);
            }
            return new AppPackage(manifest, sha256(jar), size);
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.PACKAGE_INVALID, "the package cannot be read as a jar: " + e.getMessage());
        }
    }

    private static ZipFile open(Path jar) {
        try {
            return new ZipFile(jar.toFile());
        } catch (ZipException e) {
            throw new SkyfnException(ErrorCode.PACKAGE_INVALID, "the package is not a jar (zip) file: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkEntries(ZipFile zip) throws IOException {
        if (zip.size() > limits.maxEntries()) {
            throw new SkyfnException(ErrorCode.PACKAGE_UNSAFE,
                    "the package has " + zip.size() + " entries; the limit is " + limits.maxEntries());
        }
        long unpacked = 0;
        byte[] sink = new byte[64 * 1024];
        for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
            ZipEntry e = it.nextElement();
            String unsafe = unsafePath(e.getName());
            if (unsafe != null) {
                throw new SkyfnException(ErrorCode.PACKAGE_UNSAFE, "entry '" + e.getName() + "' " + unsafe);
            }
            unpacked = inflate(zip, e, unpacked, sink);
        }
    }

    /**
     * Inflates an entry and adds the bytes it really holds to {@code unpacked}, stopping as soon as
     * the total passes the limit: a zip's declared sizes are the uploader's word, and a bomb lies.
     */
    private long inflate(ZipFile zip, ZipEntry e, long unpacked, byte[] sink) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            for (int n; (n = in.read(sink)) > 0; ) {
                unpacked += n;
                if (unpacked > limits.maxUnpackedBytes()) {
                    throw new SkyfnException(ErrorCode.PACKAGE_UNSAFE,
                            "the package unpacks to more than " + limits.maxUnpackedBytes() + " bytes");
                }
            }
        } catch (ZipException corrupt) {
            throw new SkyfnException(ErrorCode.PACKAGE_INVALID, "entry '" + e.getName() + "' cannot be unpacked: " + corrupt.getMessage());
        }
        return unpacked;
    }

    /** Why an entry name could escape wherever the jar is unpacked, or null when it cannot. */
    static String unsafePath(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            return "has an empty or NUL-containing name";
        }
        if (name.startsWith("/") || name.indexOf('\\') >= 0 || (name.length() > 1 && name.charAt(1) == ':')) {
            return "is an absolute or non-portable path";
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                return "climbs out of the package with '..'";
            }
        }
        return null;
    }

    private static Manifest manifest(ZipFile zip) throws IOException {
        ZipEntry entry = zip.getEntry(Manifest.FILE_NAME);
        if (entry == null || entry.isDirectory()) {
            throw new SkyfnException(ErrorCode.MANIFEST_MISSING,
                    "the package has no " + Manifest.FILE_NAME + " at its root; add one naming the app and its functions");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] yaml = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            if (yaml.length > MAX_MANIFEST_BYTES) {
                throw new SkyfnException(ErrorCode.MANIFEST_INVALID, Manifest.FILE_NAME + " is larger than 1 MiB");
            }
            return ManifestReader.read(yaml, path -> entry(zip, path));
        }
    }

    /** A file of the package, read up to a little more than the largest a manifest may name. */
    private static Optional<byte[]> entry(ZipFile zip, String path) {
        ZipEntry entry = unsafePath(path) == null ? zip.getEntry(path) : null;
        if (entry == null || entry.isDirectory()) {
            return Optional.empty();
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return Optional.of(in.readNBytes(MAX_MANIFEST_BYTES + 1));
        } catch (IOException e) {
            throw new SkyfnException(ErrorCode.PACKAGE_INVALID, "cannot read " + path + " from the package: " + e.getMessage());
        }
    }

    private static long size(Path jar) {
        try {
            return Files.size(jar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = dev.skyfn.core.Sha256.digest();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
