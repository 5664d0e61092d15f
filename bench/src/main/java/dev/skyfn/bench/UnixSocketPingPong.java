package dev.skyfn.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The limit for a call between two sandboxes: a round trip of a small message between two
 * processes over a Unix domain socket, one blocking thread at each end.
 *
 * <p>Usage: {@code UnixSocketPingPong serve <socket>} in one process, {@code UnixSocketPingPong
 * ping <socket> <round-trips>} in another; the second prints p50, p99 and mean in microseconds.
 * The server answers any number of connections, each on a platform thread of its own blocked in
 * its socket's read: it is also the other process of {@link BareServer}'s hop.
 */
public final class UnixSocketPingPong {

    static final int MESSAGE = 128;

    private UnixSocketPingPong() {
    }

    public static void main(String[] args) throws IOException {
        Path socket = Path.of(args[1]);
        if (args[0].equals("serve")) {
            serve(socket);
        } else {
            System.out.println(ping(socket, Integer.parseInt(args[2])));
        }
    }

    private static void serve(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            System.out.println("ready");
            while (true) {
                SocketChannel peer = server.accept();
                Thread.ofPlatform().daemon().start(() -> {
                    try (peer) {
                        answer(peer);
                    } catch (IOException gone) {
                        // the server closed its end
                    }
                });
            }
        }
    }

    /** Sends each message back as it came until the peer hangs up. */
    private static void answer(SocketChannel peer) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGE);
        while (true) {
            buf.clear();
            while (buf.hasRemaining()) {
                if (peer.read(buf) < 0) {
                    return;
                }
            }
            buf.flip();
            while (buf.hasRemaining()) {
                peer.write(buf);
            }
        }
    }

    /** Sends all of {@code buf} and reads as many bytes back into it; IOException if the server hung up. */
    static void roundTrip(SocketChannel ch, ByteBuffer buf) throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("the server hung up");
            }
        }
    }

    private static String ping(Path socket, int roundTrips) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGE);
            for (int i = 0; i < roundTrips / 5; i++) {
                roundTrip(ch, buf);
            }
            long[] nanos = new long[roundTrips];
            for (int i = 0; i < roundTrips; i++) {
                long start = System.nanoTime();
                roundTrip(ch, buf);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            return String.format("%.1f %.1f %.1f", nanos[nanos.length / 2] / 1e3, nanos[(int) (nanos.length * 0.99)] / 1e3,
                    Arrays.stream(nanos).average().orElse(0) / 1e3);
        }
    }
}
