package dev.skyfn.events;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.trigger.TickLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The embedded default's schedule ticks: a JSON file of the node ({@code trigger → epoch ms}),
 * rewritten atomically at each tick fired, so that a node started again knows which ticks it missed.
 */
public final class FileTickLedger implements TickLedger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, Long> ticks;

    public FileTickLedger(Path file) {
        this.file = file;
        try {
            ticks = Files.exists(file) ? JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, Long>>() { }) : new TreeMap<>();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the schedule ticks in " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Optional<Instant> last(String trigger) {
        return Optional.ofNullable(ticks.get(trigger)).map(Instant::ofEpochMilli);
    }

    @Override
    public synchronized boolean advance(String trigger, Optional<Instant> expected, Instant tick) {
        if (!last(trigger).equals(expected)) {
            return false;
        }
        ticks.put(trigger, tick.toEpochMilli());
        save();
        return true;
    }

    @Override
    public synchronized void forget(String trigger) {
        if (ticks.remove(trigger) != null) {
            save();
        }
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(ticks));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("recording the schedule ticks in " + file + ": " + e.getMessage(), e);
        }
    }
}
