package dev.skyfn.control.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.testing.JarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What handlers take as their input, read from their class files: one per row. */
class HandlerInputTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "dev.skyfn.control.pkg.Fixtures$Web, REQUEST",
            // through a superclass in the jar
            "dev.skyfn.control.pkg.Fixtures$WebFunction, REQUEST",
            "dev.skyfn.control.pkg.Fixtures$Hello, BODY",
            "dev.skyfn.control.pkg.Fixtures$Bytes, BODY",
            "dev.skyfn.control.pkg.Fixtures$Streams, BODY",
            "dev.skyfn.control.pkg.Fixtures$TakesOrder, JSON",
            "dev.skyfn.control.pkg.Fixtures$Lists, JSON",
            // the sandbox's order of interfaces, at any depth: Handler, StreamHandler, Function, ...
            "dev.skyfn.control.pkg.Fixtures$StreamsFirst, BODY",
            "dev.skyfn.control.pkg.Fixtures$HandlerFirst, BODY",
            "dev.skyfn.control.pkg.Fixtures$RequestBelow, REQUEST",
            // a type variable bound by the subclass: not read
            "dev.skyfn.control.pkg.Fixtures$BoundLater, UNKNOWN",
            // a Lambda handler named with its method takes Lambda's input
            "dev.skyfn.control.pkg.Fixtures$Orders::handleRequest, UNKNOWN",
            // not in the jar: nothing to read
            "a.Missing, UNKNOWN",
    })
    void readsTheHandlersInputTypeFromItsClassFile(String handler, HandlerInput.Kind kind) {
        Path jar = JarBuilder.app("app: a\nfunctions: {f: {handler: '" + handler + "'}}").classes(Fixtures.class).writeTo(dir.resolve("a.jar"));
        var fn = ManifestReader.read(("app: a\nfunctions: {f: {handler: '" + handler + "'}}").getBytes(StandardCharsets.UTF_8))
                .functions().get("f");
        assertThat(HandlerInput.of(jar, fn)).isEqualTo(kind);
    }
}
