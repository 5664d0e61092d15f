package dev.skyfn.control.tenant;

import dev.skyfn.control.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A document in a file of its own, written atomically; this process is its only writer. */
public final class FileDocument implements Document {

    private final Path file;
    private long revision;

    public FileDocument(Path file) {
        this.file = file;
    }

    @Override
    public synchronized Version read() {
        try {
            return Files.exists(file) ? new Version(Files.readAllBytes(file), revision) : new Version(null, revision);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean write(byte[] bytes, long expected) {
        if (expected != revision) {
            return false;
        }
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        revision++;
        return true;
    }
}
