package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calling side of direct calls against a callee that never welcomes it: its calls go through
 * the node meanwhile, and it hangs up once the handshake's time is over, or as soon as its route
 * is retired, leaving nothing open.
 */
class PeerRoutesTest {

    @TempDir
    Path dir;

    /**
     * A callee that accepts one connection, reads the caller's Hello, and answers nothing; completes
     * when the caller hangs up, with whether the caller said Hello first (a route retired at once may
     * hang up before it does).
     */
    private CompletableFuture<Boolean> silentCallee(String link) throws IOException {
        var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve(link)));
        var hungUp = new CompletableFuture<Boolean>();
        Thread.ofVirtual().start(() -> {
            try (server; SocketChannel caller = server.accept()) {
                hungUp.complete(saidHello(caller) && endsUnanswered(caller));
            } catch (Throwable e) {
                hungUp.completeExceptionally(e);
            }
        });
        return hungUp;
    }

    /** True when the first frame is a Hello, false when the caller hung up before one; ProtocolException on anything else. */
    private static boolean saidHello(SocketChannel caller) throws IOException {
        try {
            assertThat(FrameChannel.readOne(caller, 1 << 20)).isInstanceOf(Message.Hello.class);
            return true;
        } catch (EOFException hungUpFirst) {
            return false;
        }
    }

    /** Reads until the caller hangs up, answering nothing; true. */
    private static boolean endsUnanswered(SocketChannel caller) throws IOException {
        while (caller.read(ByteBuffer.allocate(64)) >= 0) {
            // nothing is answered
        }
        return true;
    }

    private static CompletableFuture<Message> call(PeerRoutes routes) {
        return routes.call("callee", "f", "inv-1", 1000, Payload.EMPTY, "");
    }

    @Test
    void aCalleeThatNeverWelcomesIsHungUpOnAfterTheHandshakesTime() throws Exception {
        CompletableFuture<Boolean> hungUp = silentCallee("sb-2.sock");
        var routes = new PeerRoutes(dir, 1 << 20);
        routes.route(new Message.Route("callee", "sb-2.sock", "t1", 0, 8));

        assertThat(call(routes)).as("through the node while not welcomed").isNull();
        assertThat(hungUp.get(15, TimeUnit.SECONDS)).as("said Hello, then hung up").isTrue();
        assertThat(call(routes)).as("the route is forgotten").isNull();
    }

    @Test
    void aRouteRetiredDuringItsHandshakeHangsUpAtOnce() throws Exception {
        CompletableFuture<Boolean> hungUp = silentCallee("sb-2.sock");
        silentCallee("sb-3.sock");
        var routes = new PeerRoutes(dir, 1 << 20, 120_000);
        routes.route(new Message.Route("callee", "sb-2.sock", "t1", 0, 8));
        routes.route(new Message.Route("callee", "sb-3.sock", "t2", 0, 8)); // the app moved: the first route is retired

        hungUp.get(60, TimeUnit.SECONDS); // well before the handshake's two minutes, whether or not it said Hello first
    }
}
