package dev.skyfn.nats.servers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where the {@code nats-server} program is: {@code SKYFN_NATS_SERVER}, the PATH, or where Debian installs it. */
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
