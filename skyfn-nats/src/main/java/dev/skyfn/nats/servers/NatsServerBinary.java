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

    /**
     * Checks that the {@code nats-server} found can promote a mirror (2.12 or later), as a
     * topology with a {@code stateMirror} needs.
     *
     * @throws IllegalStateException naming the version found and how to get a newer one
     */
    public static void requirePromotable() {
        String version = version();
        if (!promotes(version)) {
            throw new IllegalStateException("a topology with a stateMirror needs nats-server 2.12 or later, which can promote the mirror; "
                    + find() + " is " + version + ": run bin/nats-server-2.12 once (it fetches one into ~/.cache/skyfn, used from then"
                    + " on) or set SKYFN_NATS_SERVER");
        }
    }

    /** Whether there is a {@code nats-server} to run and it can promote a mirror (2.12 or later). */
    public static boolean promotes() {
        return available() && promotes(version());
    }

    /** Whether {@code version} ({@code nats-server: v2.12.1}, say) is 2.12 or later. */
    static boolean promotes(String version) {
        var digits = java.util.regex.Pattern.compile("v?(\\d+)\\.(\\d+)").matcher(version);
        if (!digits.find()) {
            return false;
        }
        int major = Integer.parseInt(digits.group(1));
        return major > 2 || major == 2 && Integer.parseInt(digits.group(2)) >= 12;
    }

    /** What the {@code nats-server} found says with {@code --version}. */
    private static String version() {
        Path binary = find();
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String version = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            p.waitFor();
            return version;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted asking " + binary + " its version", e);
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
