package dev.skyfn.bench;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The limit for a warm HTTP invocation: a bare Helidon server answering the same request the
 * no-op function gets (POST, the body echoed back) with nothing in between.
 *
 * <p>Usage: {@code java -cp ... dev.skyfn.bench.BareServer <port>}
 */
public final class BareServer {

    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    private BareServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        HELIDON.setLevel(Level.WARNING);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(args[0]))
                .routing(r -> r.post("/v1/apps/{app}/functions/{function}:invoke", (req, res) -> {
                    byte[] body = req.content().inputStream().readAllBytes();
                    res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream").send(body);
                }))
                .build()
                .start();
        System.out.println("bare server on " + server.port());
        Thread.currentThread().join();
    }
}
