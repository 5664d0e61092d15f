package dev.skyfn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories under {@code target/test-runs/}, named after their test class: with
 * {@code cleanup = ON_SUCCESS}, the logs and data of the nodes of a failed test stay there to be read.
 */
final class UnderTarget implements TempDirFactory {

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        Path runs = Files.createDirectories(Path.of("target", "test-runs"));
        Path dir = Files.createTempDirectory(runs, context.getRequiredTestClass().getSimpleName() + "-").toAbsolutePath();
        System.err.println("files of " + context.getDisplayName() + " in " + dir + " (kept if it fails)");
        return dir;
    }
}
