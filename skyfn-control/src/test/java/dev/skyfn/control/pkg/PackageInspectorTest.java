package dev.skyfn.control.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.testing.JarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageInspectorTest {

    @TempDir
    Path dir;
    private final PackageInspector inspector = new PackageInspector(new PackageLimits(1 << 20, 4 << 20, 100));

    private static String manifest(String handler) {
        return "app: demo\nfunctions:\n  f:\n    handler: " + handler + "\n";
    }

    private Path jar(JarBuilder b) {
        return b.writeTo(dir.resolve("app-" + System.nanoTime() + ".jar"));
    }

    private void assertRefused(Path jar, ErrorCode code, String message) {
        assertThatThrownBy(() -> inspector.inspect(jar)).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    @Test
    void acceptsAWellFormedApp() {
        Path jar = jar(JarBuilder.app(manifest(Fixtures.Hello.class.getName())).classes(Fixtures.Hello.class));
        AppPackage pkg = inspector.inspect(jar);
        assertThat(pkg.manifest().app()).isEqualTo("demo");
        assertThat(pkg.sha256()).hasSize(64).isEqualTo(PackageInspector.sha256(jar));
    }

    @Test
    void acceptsAHandlerThroughItsSuperclass() {
        inspector.inspect(jar(JarBuilder.app(manifest(Fixtures.Derived.class.getName()))
                .classes(Fixtures.Derived.class, Fixtures.Base.class)));
    }

    @Test
    void refusesAJarWithoutManifest() {
        assertRefused(jar(JarBuilder.empty().classes(Fixtures.Hello.class)), ErrorCode.MANIFEST_MISSING, "no skyfn.yaml");
    }

    @Test
    void refusesAMalformedManifest() {
        assertRefused(jar(JarBuilder.app("app: demo\nfunctions: [")), ErrorCode.MANIFEST_INVALID, "not valid YAML");
    }

    @Test
    void refusesWhatIsNotAJar() throws Exception {
        Path notJar = Files.writeString(dir.resolve("x.jar"), "this is not a zip");
        assertRefused(notJar, ErrorCode.PACKAGE_INVALID, "not a jar");
    }

    @Test
    void refusesPathTraversalEntries() {
        assertRefused(jar(JarBuilder.app(manifest("a.B")).entry("../../etc/cron.d/evil", "x")),
                ErrorCode.PACKAGE_UNSAFE, "climbs out");
        assertRefused(jar(JarBuilder.app(manifest("a.B")).entry("/etc/passwd", "x")),
                ErrorCode.PACKAGE_UNSAFE, "absolute");
        assertRefused(jar(JarBuilder.app(manifest("a.B")).entry("lib\\..\\x", "x")),
                ErrorCode.PACKAGE_UNSAFE, "non-portable");
    }

    @Test
    void refusesAPackageOverTheSizeLimit() {
        assertRefused(jar(JarBuilder.app(manifest("a.B")).entry("big.bin", randomBytes(2 << 20))),
                ErrorCode.PACKAGE_TOO_LARGE, "the limit is " + (1 << 20));
    }

    @Test
    void refusesAPackageThatUnpacksTooLarge() {
        assertRefused(jar(JarBuilder.app(manifest("a.B")).entry("zeros.bin", new byte[5 << 20])),
                ErrorCode.PACKAGE_UNSAFE, "unpacks to more than");
    }

    @Test
    void countsTheBytesAnEntryReallyUnpacksToNotTheSizeItDeclares() throws Exception {
        byte[] honest = JarBuilder.app(manifest(Fixtures.Hello.class.getName())).classes(Fixtures.Hello.class)
                .entry("zeros.bin", new byte[5 << 20]).bytes();
        Path lying = Files.write(dir.resolve("lying.jar"), declareSize(honest, "zeros.bin", 1));
        try (var zip = new java.util.zip.ZipFile(lying.toFile())) {
            assertThat(zip.getEntry("zeros.bin").getSize()).as("the jar lies").isEqualTo(1);
        }
        assertRefused(lying, ErrorCode.PACKAGE_UNSAFE, "unpacks to more than " + (4 << 20));
    }

    @Test
    void refusesAClassEntryThatUnpacksPastAnyRealClass() throws Exception {
        var inspector = new PackageInspector(new PackageLimits(1 << 20, 64 << 20, 100));
        String handler = Fixtures.Hello.class.getName().replace('.', '/') + ".class";
        byte[] bomb = JarBuilder.app(manifest(Fixtures.Hello.class.getName())).entry(handler, new byte[17 << 20]).bytes();
        Path lying = Files.write(dir.resolve("bomb.jar"), declareSize(bomb, handler, 100));
        assertThatThrownBy(() -> inspector.inspect(lying)).isInstanceOf(SkyfnException.class)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.PACKAGE_INVALID))
                .hasMessageContaining("is larger than 16 MiB");
    }

    /** The jar with {@code name}'s uncompressed size in the central directory replaced by {@code size}. */
    private static byte[] declareSize(byte[] jar, String name, int size) {
        byte[] target = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var buf = java.nio.ByteBuffer.wrap(jar).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 < jar.length; i++) {
            if (buf.getInt(i) == 0x02014b50 && (buf.getShort(i + 28) & 0xffff) == target.length
                    && java.util.Arrays.equals(jar, i + 46, i + 46 + target.length, target, 0, target.length)) {
                buf.putInt(i + 24, size);
                return jar;
            }
        }
        throw new IllegalArgumentException("no central directory entry " + name);
    }

    @Test
    void refusesAMissingHandlerClass() {
        assertRefused(jar(JarBuilder.app(manifest("com.example.Missing"))), ErrorCode.HANDLER_NOT_FOUND,
                "function f: handler class com.example.Missing is not in the jar");
    }

    @Test
    void refusesHandlersOfTheWrongShape() {
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.NotAHandler.class.getName())).classes(Fixtures.NotAHandler.class)),
                ErrorCode.HANDLER_INVALID, "implements none of the handler interfaces");
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.NoDefaultConstructor.class.getName())).classes(Fixtures.NoDefaultConstructor.class)),
                ErrorCode.HANDLER_INVALID, "public constructor without parameters");
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.Base.class.getName())).classes(Fixtures.Base.class)),
                ErrorCode.HANDLER_INVALID, "non-abstract");
    }

    @Test
    void acceptsAHandlerNamedWithItsMethodAsLambdaWritesIt() {
        inspector.inspect(jar(JarBuilder.app(manifest(Fixtures.Orders.class.getName() + "::handleRequest")).classes(Fixtures.Orders.class)));
        // a static method needs no constructor
        inspector.inspect(jar(JarBuilder.app(manifest(Fixtures.Statics.class.getName() + "::shout")).classes(Fixtures.Statics.class)));
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.Orders.class.getName() + "::missing")).classes(Fixtures.Orders.class)),
                ErrorCode.HANDLER_INVALID, "has no public method missing");
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.Statics.class.getName() + "::handleRequest")).classes(Fixtures.Statics.class)),
                ErrorCode.HANDLER_INVALID, "handleRequest is an instance method");
        assertRefused(jar(JarBuilder.app(manifest("a.Missing::handleRequest"))), ErrorCode.HANDLER_NOT_FOUND, "handler class a.Missing");
    }

    @Test
    void refusesAHandlerCompiledForAJavaNewerThanTheSandboxRuns() {
        byte[] hello = JarBuilder.app(manifest(Fixtures.Hello.class.getName())).classes(Fixtures.Hello.class).bytes();
        String entry = Fixtures.Hello.class.getName().replace('.', '/') + ".class";
        byte[] newer = classBytes(hello, entry);
        newer[7] = 70; // the major version's low byte: Java 26
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.Hello.class.getName())).entry(entry, newer)), ErrorCode.HANDLER_INVALID,
                "is compiled for Java 26 (class file version 70); apps run on Java 25");
    }

    private static byte[] classBytes(byte[] jar, String entry) {
        try (var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(jar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals(entry)) {
                    return in.readAllBytes();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalArgumentException(entry);
    }

    @Test
    void namesTheSupertypesItCouldNotCheck() {
        assertRefused(jar(JarBuilder.app(manifest(Fixtures.Derived.class.getName())).classes(Fixtures.Derived.class)),
                ErrorCode.HANDLER_INVALID, "not in the jar, so not checked: " + Fixtures.Base.class.getName());
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.util.Random(1).nextBytes(b);
        return b;
    }

    @Test
    void readsWorkflowFilesFromThePackageAndRefusesBadOnes() {
        String m = manifest(Fixtures.Hello.class.getName()) + "workflows:\n  twice: flows/twice.yaml\n";
        Path good = jar(JarBuilder.app(m).classes(Fixtures.Hello.class).entry("flows/twice.yaml", """
                StartAt: A
                States:
                  A: {Type: Task, Resource: f, Next: B}
                  B: {Type: Task, Resource: f, End: true}
                """));
        assertThat(inspector.inspect(good).manifest().workflows().get("twice").definition().states()).hasSize(2);

        Path bad = jar(JarBuilder.app(m).classes(Fixtures.Hello.class).entry("flows/twice.yaml", """
                StartAt: A
                States:
                  A: {Type: Task, Resource: g, End: true}
                """));
        assertRefused(bad, ErrorCode.MANIFEST_INVALID, "workflows.twice (flows/twice.yaml): state \"A\": Resource: 'g' names no function of the app (f)");
    }
}
