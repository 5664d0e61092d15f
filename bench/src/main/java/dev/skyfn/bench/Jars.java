package dev.skyfn.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Copies of an example jar under another manifest: many distinct apps from one build. */
final class Jars {

    private Jars() {
    }

    /** A jar of the given classes of this module (with their nested classes) and a manifest. */
    static byte[] ofClasses(String manifest, Class<?>... classes) {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("skyfn.yaml"));
            zip.write(manifest.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            for (Class<?> c : all(classes)) {
                String name = c.getName().replace('.', '/') + ".class";
                try (var in = Jars.class.getClassLoader().getResourceAsStream(name)) {
                    zip.putNextEntry(new ZipEntry(name));
                    zip.write(in.readAllBytes());
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static java.util.List<Class<?>> all(Class<?>... classes) {
        java.util.List<Class<?>> all = new java.util.ArrayList<>();
        for (Class<?> c : classes) {
            all.add(c);
            all.addAll(all(c.getDeclaredClasses()));
        }
        return all;
    }

    static byte[] withManifest(Path jar, String manifest) {
        var out = new ByteArrayOutputStream();
        try (ZipFile in = new ZipFile(jar.toFile()); var zip = new ZipOutputStream(out)) {
            for (ZipEntry e : in.stream().toList()) {
                if (e.getName().equals("skyfn.yaml")) {
                    continue;
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(in.getInputStream(e).readAllBytes());
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry("skyfn.yaml"));
            zip.write(manifest.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
