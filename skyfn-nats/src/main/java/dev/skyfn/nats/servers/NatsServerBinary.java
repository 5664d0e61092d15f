package dev.skyfn.nats.servers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the {@code nats-server} program is: {@code SKYFN_NATS_SERVER}; else the one
 * {@code bin/nats-server-2.12} fetched into {@code ~/.cache/skyfn/nats-server}, which can promote a
 * state mirror; else the PATH, or where Debian installs it.
 */
public final class NatsServerBinary {

    private NatsServerBinary() {
    }

    /** Whether there is a {@code nats-server} to run. */
    public static boolean available() {
        try {
            return Files.isExecutable(find());
        } catch (IllegalStateException missing) {
            return false;
        }
    }

    public static Path find() {
        String explicit = System.getenv("SKYFN_NATS_SERVER");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        List<Path> places = new ArrayList<>();
        String cache = System.getenv("XDG_CACHE_HOME");
        places.add((cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("skyfn/nats-server/usr/sbin"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                places.add(Path.of(dir));
            }
        }
        places.add(Path.of("/usr/sbin"));
        places.add(Path.of("/usr/local/bin"));
        return places.stream().map(d -> d.resolve("nats-server")).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "nats-server not found on the PATH or in /usr/sbin: install it (Debian: apt-get install nats-server)"
                                + " or set SKYFN_NATS_SERVER"));
    }
}
