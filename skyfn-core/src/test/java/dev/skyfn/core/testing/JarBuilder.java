package dev.skyfn.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds app jars for tests from a manifest and classes on the test class path, or from raw entries. */
public final class JarBuilder {

    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    public static JarBuilder app(String manifestYaml) {
        return new JarBuilder().entry("skyfn.yaml", manifestYaml);
    }

    public static JarBuilder empty() {
        return new JarBuilder();
    }

    /** Adds the classes, with their nested and anonymous classes, as compiled for the tests. */
    public JarBuilder classes(Class<?>... classes) {
        for (Class<?> c : classes) {
            addClass(c);
            Class<?> outer = c;
            for (int i = 1; ; i++) {
                String anon = outer.getName().replace('.', '/') + "$" + i + ".class";
                byte[] bytes = resource(anon);
                if (bytes == null) {
                    break;
                }
                entries.put(anon, bytes);
            }
            for (Class<?> nested : c.getDeclaredClasses()) {
                classes(nested);
            }
        }
        return this;
    }

    private void addClass(Class<?> c) {
        String name = c.getName().replace('.', '/') + ".class";
        entries.put(name, resource(name));
    }

    private static byte[] resource(String name) {
        try (InputStream in = JarBuilder.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JarBuilder entry(String name, String text) {
        return entry(name, text.getBytes(StandardCharsets.UTF_8));
    }

    public JarBuilder entry(String name, byte[] bytes) {
        entries.put(name, bytes);
        return this;
    }

    public byte[] bytes() {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public Path writeTo(Path file) {
        try {
            Files.write(file, bytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
