package dev.skyfn.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Files the user names on the command line, read with a message that says what is wrong with them. */
final class LocalFiles {

    private LocalFiles() {
    }

    /** The bytes of {@code file}, which is {@code what} (e.g. "the app jar"); a {@link CliException} if it cannot be read. */
    static byte[] read(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new CliException(what + " " + file + " is a directory, not a file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CliException(what + " " + file + " does not exist"
                    + (file.isAbsolute() ? "" : " (in " + Path.of("").toAbsolutePath() + ")"));
        } catch (AccessDeniedException e) {
            throw new CliException(what + " " + file + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new CliException(what + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * A body given on the command line as {@code -d DATA} or {@code --data-file FILE}, empty when
     * neither; a {@link CliException} when both are, as neither would be the one meant.
     */
    static byte[] body(String data, Path dataFile) {
        if (data != null && dataFile != null) {
            throw new CliException("give the data as -d or --data-file, not both");
        }
        return dataFile != null ? read(dataFile, "the data file") : data != null ? data.getBytes(StandardCharsets.UTF_8) : new byte[0];
    }
}
