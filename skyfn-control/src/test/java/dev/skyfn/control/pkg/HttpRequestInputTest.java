package dev.skyfn.control.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.testing.JarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which handlers take the whole HTTP request, read from their class files: one per row. */
class HttpRequestInputTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "dev.skyfn.control.pkg.Fixtures$Web, true",
            // through a superclass in the jar
            "dev.skyfn.control.pkg.Fixtures$WebFunction, true",
            "dev.skyfn.control.pkg.Fixtures$Hello, false",
            // a Lambda handler named with its method takes Lambda's input
            "dev.skyfn.control.pkg.Fixtures$Orders::handleRequest, false",
            // not in the jar: nothing to read
            "a.Missing, false",
    })
    void readsTheHandlersInputTypeFromItsClassFile(String handler, boolean takes) {
        Path jar = JarBuilder.app("app: a\nfunctions: {f: {handler: '" + handler + "'}}").classes(Fixtures.class).writeTo(dir.resolve("a.jar"));
        var fn = ManifestReader.read(("app: a\nfunctions: {f: {handler: '" + handler + "'}}").getBytes(StandardCharsets.UTF_8))
                .functions().get("f");
        assertThat(HttpRequestInput.takes(jar, fn)).isEqualTo(takes);
    }
}
