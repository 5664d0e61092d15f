package dev.skyfn.sandbox;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.ProtocolException;
import dev.skyfn.core.wire.WireCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sandbox's own socket, on which other sandboxes of its tenant call the apps hosted here
 * directly, one socket round trip instead of two and the node's routing (docs/sandbox-protocol.md,
 * "Direct calls"; SAND's local bus, Akkus et al., ATC'18). The node decides who may: it links this
 * socket into a caller's view only, and {@link #admit}s the token it gives that caller, whose
 * Hello must present it. {@link #revoke} closes the door: calls that come after are answered
 * {@link Message#REROUTE} (the caller sends them through its node) and the node hears once the
 * direct calls in flight have ended, so that it never stops this sandbox under one.
 */
final class PeerListener {

    /** The socket's name in the directory the node gives the sandbox for it. */
    static final String SOCKET = "peer.sock";

    /** What runs a direct call: gives its answer (Result or Failure) to {@code answer}, then calls {@code ended}. */
    interface Calls {
        void invoke(Message.Invoke invoke, java.util.function.Consumer<Message> answer, Runnable ended);
    }

    private final ServerSocketChannel server;
    private final int maxFrameBytes;
    private final PrintStream diagnostics;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Set<FrameChannel> callers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicReference<Runnable> whenDrained = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Calls calls;
    /** Second connections awaited, by the pairing token each caller's first connection was handed. */
    private final Map<String, CompletableFuture<SocketChannel>> waiting = new ConcurrentHashMap<>();
    private static final long PAIRING_MILLIS = 5_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PeerListener(ServerSocketChannel server, int maxFrameBytes, PrintStream diagnostics) {
        this.server = server;
        this.maxFrameBytes = maxFrameBytes;
        this.diagnostics = diagnostics;
    }

    /**
     * Binds {@code dir}/{@value #SOCKET} if the node gave the sandbox {@code dir} (it is there), before
     * any app's code runs here; null when it did not. Accepting starts with {@link #serve}.
     */
    static PeerListener bind(Path dir, int maxFrameBytes, PrintStream diagnostics) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(dir.resolve(SOCKET)));
        } catch (IOException e) {
            // the sandbox serves its node all the same: other sandboxes call it through the node
            diagnostics.println("skyfn sandbox: no socket for direct calls: " + e);
            server.close();
            return null;
        }
        return new PeerListener(server, maxFrameBytes, diagnostics);
    }

    /** Accepts callers on a thread of its own from now on, their calls run by {@code calls}. */
    void serve(Calls calls) {
        this.calls = calls;
        Thread.ofPlatform().daemon().name("peer-listener").start(this::acceptForever);
    }

    /** Callers presenting {@code token} may call from now on (until {@link #revoke}). */
    void admit(String token) {
        tokens.add(token);
    }

    /**
     * Closes the door: no caller is admitted again, calls that come are answered REROUTE, every
     * caller is told so; {@code drained} runs once the direct calls in flight have ended.
     */
    void revoke(Runnable drained) {
        whenDrained.set(drained);
        closed = true;
        tokens.clear();
        callers.forEach(c -> c.send(new Message.Revoke(0)));
        if (inFlight.get() == 0) {
            drainedNow();
        }
    }

    /** Writes every answer still queued to its caller: for a sandbox about to end, whose writers would not get to them. */
    void flush() {
        for (FrameChannel caller : callers) {
            try {
                caller.drainNow();
            } catch (IOException e) {
                // that caller is gone
            }
        }
    }

    private void drainedNow() {
        Runnable drained = whenDrained.getAndSet(null);
        if (drained != null) {
            drained.run();
        }
    }

    private void acceptForever() {
        while (true) {
            SocketChannel socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofPlatform().daemon().name("peer-caller").start(() -> serveCaller(socket));
        }
    }

    /**
     * Serves one connection. A caller's first connection presents its admitted token and is
     * answered with a pairing token; its second presents that token and carries the answers, so
     * that each socket is read at this end by a platform thread alone (see {@link FrameChannel#overSockets}).
     */
    private void serveCaller(SocketChannel socket) {
        FrameChannel caller = null;
        boolean handedOver = false;
        try {
            Message first = FrameChannel.readOne(socket, maxFrameBytes);
            if (!(first instanceof Message.Hello hello) || hello.protocol() != WireCodec.PROTOCOL_VERSION) {
                throw new ProtocolException("a caller's first frame was not a Hello of protocol " + WireCodec.PROTOCOL_VERSION);
            }
            CompletableFuture<SocketChannel> pairedWith = claim(hello);
            if (pairedWith != null) {
                // the first connection's thread serves both from here on, unless it stopped waiting
                handedOver = pairedWith.complete(socket);
                return;
            }
            if (closed || tokens.stream().noneMatch(hello::presents)) {
                throw new ProtocolException("a caller presented no token the node admitted");
            }
            caller = FrameChannel.overSockets(socket, answersFor(socket), maxFrameBytes);
            welcome(caller);
            FrameChannel channel = caller;
            caller.readLoop(m -> {
                if (!(m instanceof Message.Invoke invoke)) {
                    throw new ProtocolException("a calling sandbox does not send " + m.getClass().getSimpleName());
                }
                // counted before the door is looked at: a revoke that closes it meanwhile waits for this call
                inFlight.incrementAndGet();
                if (closed) {
                    channel.sendNow(new Message.Failure(invoke.id(), Message.REROUTE, "this sandbox takes no more direct calls", ""));
                    ended();
                    return;
                }
                calls.invoke(invoke, channel::sendNow, this::ended);
            });
        } catch (ProtocolException e) {
            diagnostics.println("skyfn sandbox: a calling sandbox broke the protocol: " + e.getMessage());
        } catch (IOException e) {
            // the caller went away
        } finally {
            if (caller != null) {
                callers.remove(caller);
                caller.close();
            } else if (!handedOver) {
                closeQuietly(socket);
            }
        }
    }

    /** Hands the caller on {@code calls} a pairing token and waits for its second connection, which presents it. */
    private SocketChannel answersFor(SocketChannel calls) throws IOException {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String token = java.util.HexFormat.of().formatHex(bytes);
        var second = new CompletableFuture<SocketChannel>();
        waiting.put(token, second);
        try {
            FrameChannel.writeOne(calls, new Message.Hello(WireCodec.PROTOCOL_VERSION, ProcessHandle.current().pid(), token));
            return second.get(PAIRING_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (second.completeExceptionally(e)) {
                throw new ProtocolException("a caller's second connection did not come within " + PAIRING_MILLIS + " ms");
            }
            return second.join(); // it came just then
        } catch (InterruptedException | ExecutionException e) {
            if (!second.completeExceptionally(e)) {
                closeQuietly(second.join()); // it came just then, and nobody will serve it
            }
            throw new IOException("no second connection", e);
        } finally {
            waiting.remove(token);
        }
    }

    /** The second connection waited for under the token {@code hello} presents, taken so that no other connection can claim it; null if none. */
    private CompletableFuture<SocketChannel> claim(Message.Hello hello) {
        return waiting.keySet().stream().filter(hello::presents).findFirst().map(waiting::remove).orElse(null);
    }

    /** Answers the caller's Hello with this sandbox's, on its second connection. */
    private void welcome(FrameChannel caller) {
        callers.add(caller);
        caller.sendNow(new Message.Hello(WireCodec.PROTOCOL_VERSION, ProcessHandle.current().pid(), ""));
        if (closed) {
            caller.send(new Message.Revoke(0));
        }
    }

    /** Closes {@code socket} (null: none), a failure to close being nothing to report. */
    static void closeQuietly(SocketChannel socket) {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void ended() {
        if (inFlight.decrementAndGet() == 0 && closed) {
            drainedNow();
        }
    }
}
