package dev.skyfn.bench;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The limit for a warm HTTP invocation: a bare Helidon server answering the same request the
 * no-op function gets (POST, the body echoed back) with nothing in between. Given an echo
 * process's socket ({@code UnixSocketPingPong serve}), the limit for a function run in a process
 * of its own: each request's body goes to that process and back in one round trip of a
 * {@value UnixSocketPingPong#MESSAGE}-byte message before it is answered, on a connection no
 * other request is using, with no framing, routing or bookkeeping.
 *
 * <p>Usage: {@code java -cp ... dev.skyfn.bench.BareServer <port> [<echo socket>]}
 */
public final class BareServer {

    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    private BareServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        HELIDON.setLevel(Level.WARNING);
        Hop hop = args.length > 1 ? new Hop(UnixDomainSocketAddress.of(Path.of(args[1]))) : null;
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(args[0]))
                .routing(r -> r.post("/v1/apps/{app}/functions/{function}:invoke", (req, res) -> {
                    byte[] body = req.content().inputStream().readAllBytes();
                    res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream").send(hop == null ? body : hop.roundTrip(body));
                }))
                .build()
                .start();
        System.out.println("bare server on " + server.port());
        Thread.currentThread().join();
    }

    /** Round trips to the echo process, each on an idle connection (a new one when none is idle). */
    private record Hop(UnixDomainSocketAddress address, ConcurrentLinkedQueue<SocketChannel> idle) {

        Hop(UnixDomainSocketAddress address) {
            this(address, new ConcurrentLinkedQueue<>());
        }

        /** {@code body} (up to a message less its length byte) there and back. */
        byte[] roundTrip(byte[] body) {
            try {
                SocketChannel ch = idle.poll();
                if (ch == null) {
                    ch = SocketChannel.open(address);
                }
                ByteBuffer buf = ByteBuffer.allocate(UnixSocketPingPong.MESSAGE);
                buf.put((byte) body.length).put(body);
                UnixSocketPingPong.roundTrip(ch, buf);
                idle.offer(ch);
                return Arrays.copyOfRange(buf.array(), 1, 1 + buf.get(0));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
