package dev.skyfn.bench;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The limit for a command line's start: a plain JVM that sends one GET, prints the body and exits.
 *
 * <p>Usage: {@code java -cp bench.jar dev.skyfn.bench.GetOnce <url>}
 */
public final class GetOnce {

    private GetOnce() {
    }

    public static void main(String[] args) throws Exception {
        var http = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
        try (InputStream in = http.getInputStream()) {
            System.out.write(in.readAllBytes());
        }
        System.out.flush();
    }
}
