package dev.skyfn.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds app jars for tests from a manifest and classes on the test class path, from raw entries, or from an example's sources. */
public final class JarBuilder {

    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    public static JarBuilder app(String manifestYaml) {
        return new JarBuilder().entry("skyfn.yaml", manifestYaml);
    }

    public static JarBuilder empty() {
        return new JarBuilder();
    }

    /**
     * The app of {@code examples/<name>} as its module builds it: its sources compiled against the
     * API on the test class path, and its resources ({@code skyfn.yaml}, workflow files). Run from a
     * module's directory, as Maven runs tests.
     */
    public static JarBuilder example(String name) {
        Path module = Path.of("..", "examples", name).toAbsolutePath().normalize();
        Path sources = module.resolve("src/main/java");
        Path resources = module.resolve("src/main/resources");
        JarBuilder jar = new JarBuilder();
        try {
            Path classes = Files.createTempDirectory("skyfn-example-" + name);
            try {
                List<String> args = new ArrayList<>(List.of("-proc:none", "-classpath", System.getProperty("java.class.path"),
                        "-d", classes.toString()));
                try (Stream<Path> files = Files.walk(sources)) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
                }
                var errors = new ByteArrayOutputStream();
                if (ToolProvider.getSystemJavaCompiler().run(null, null, errors, args.toArray(String[]::new)) != 0) {
                    throw new IllegalStateException("examples/" + name + " does not compile:\n" + errors);
                }
                jar.addTree(classes);
                jar.addTree(resources);
            } finally {
                try (Stream<Path> files = Files.walk(classes)) {
                    for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /** Adds every file under {@code root}, named by its path below it. */
    private void addTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                entries.put(root.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
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

    /**
     * Adds every class and resource of the jar {@code c} was loaded from (but its manifest and
     * signatures), as an app's build bundles a library in its jar.
     */
    public JarBuilder jarOf(Class<?> c) {
        try (var jar = new java.util.jar.JarFile(java.nio.file.Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                if (!e.isDirectory() && !e.getName().startsWith("META-INF/")) {
                    try (InputStream in = jar.getInputStream(e)) {
                        entries.put(e.getName(), in.readAllBytes());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
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
