package dev.skyfn.sandbox;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.ProtocolException;
import dev.skyfn.core.wire.WireCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The sandbox process. Started by a node with the path of the Unix socket to call back on and a
 * token on its standard input; warms up (unless told {@code cold}), says hello with the token, then
 * serves the node until the node closes the socket.
 *
 * <p>Usage: {@code SandboxMain <socket-path> <max-frame-bytes> [warm|cold]}. A spare is booted
 * {@code warm} (the default): its warm-up costs about a second of CPU, paid before any call needs
 * it. A sandbox a call is already waiting for is booted {@code cold}: it says hello as soon as its
 * JVM runs, and the app's own first calls warm it.
 */
public final class SandboxMain {

    /** Exit status when the node broke the protocol. */
    static final int EXIT_PROTOCOL = 71;
    /** Exit status when an app outgrew the heap its node gave it, below the JVM's own ({@link HeapLimit}). */
    static final int EXIT_OUTGREW_HEAP = 72;
    /** Exit status when the sandbox itself failed. */
    static final int EXIT_FAILED = 70;
    /** The directory beside the node's socket where the sandbox binds its own socket for direct calls, when the node gave it one. */
    static final String LISTEN_DIR = "listen";
    /** The directory beside the node's socket where the node links the sockets of sandboxes this one may call directly. */
    static final String PEERS_DIR = "peers";
    /** The node's token and its newline fit in this; standard input is read to its end, which the node closes. */
    private static final int TOKEN_MAX = 128;

    private SandboxMain() {
    }

    public static void main(String[] args) {
        PrintStream diagnostics = System.err;
        if (args.length < 2 || args.length > 4 || (args.length >= 3 && !args[2].equals("warm") && !args[2].equals("cold"))) {
            diagnostics.println("usage: SandboxMain <socket-path> <max-frame-bytes> [warm|cold [shared-memory-file]]");
            Runtime.getRuntime().halt(EXIT_FAILED);
        }
        try {
            String token = new String(System.in.readNBytes(TOKEN_MAX), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (args.length == 2 || args[2].equals("warm")) {
                Warmup.run(Path.of("").toAbsolutePath(), args.length == 4, diagnostics);
                HeapLimit.prepare(); // a spare may be fitted to a smaller app's heap: its first load should not pay for this
            }
            var socket = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(args[0])));
            int maxFrameBytes = Integer.parseInt(args[1]);
            var hello = new Message.Hello(WireCodec.PROTOCOL_VERSION, ProcessHandle.current().pid(), token);
            FrameChannel channel;
            if (args.length == 4) {
                channel = FrameChannel.overSharedMemory(socket, Path.of(args[3]), false, maxFrameBytes);
            } else {
                // the node's frames come on the first socket, read by this thread alone; the answers go on a second
                FrameChannel.writeOne(socket, hello);
                channel = FrameChannel.overSockets(socket, SocketChannel.open(UnixDomainSocketAddress.of(Path.of(args[0]))), maxFrameBytes);
            }
            // beside the node's socket when the node gave them: this sandbox's own socket, and the sockets it may call
            Path run = Path.of(args[0]).toAbsolutePath().getParent();
            PeerListener door = PeerListener.bind(run.resolve(LISTEN_DIR), maxFrameBytes, diagnostics);
            PeerRoutes peers = java.nio.file.Files.isDirectory(run.resolve(PEERS_DIR)) ? new PeerRoutes(run.resolve(PEERS_DIR), maxFrameBytes) : null;
            var runtime = new SandboxRuntime(channel, diagnostics, peers, door);
            runtime.installCapture();
            channel.send(hello);
            channel.readLoop(runtime::handle);
            runtime.ending();
            Runtime.getRuntime().halt(0);
        } catch (ProtocolException e) {
            diagnostics.println("skyfn sandbox: protocol violation: " + e.getMessage());
            Runtime.getRuntime().halt(EXIT_PROTOCOL);
        } catch (IOException | RuntimeException | Error e) {
            diagnostics.println("skyfn sandbox: failed: " + e);
            e.printStackTrace(diagnostics);
            Runtime.getRuntime().halt(EXIT_FAILED);
        } catch (Exception e) {
            diagnostics.println("skyfn sandbox: warm-up failed: " + e);
            Runtime.getRuntime().halt(EXIT_FAILED);
        }
    }
}
