package dev.skyfn.sandbox;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.ProtocolException;
import dev.skyfn.core.wire.WireCodec;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calling side of direct calls (docs/sandbox-protocol.md, "Direct calls"): the routes the
 * node gave this sandbox to apps hosted in other sandboxes of its tenant, each a socket the node
 * linked into this sandbox's view. A call with a route goes straight to that sandbox; a call
 * without one, past the route's share of calls in flight, in a trace the node keeps (sampled), or
 * answered {@link Message#REROUTE}, goes through the node as before.
 */
final class PeerRoutes {

    /** How long a callee has to welcome a caller before the caller hangs up and calls through the node. */
    private static final long HANDSHAKE_MILLIS = 5_000;
    private final Path dir;
    private final int maxFrameBytes;
    private final long handshakeMillis;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    /** Runs calls routed to another app in this very sandbox (a route with no link). */
    private volatile PeerListener.Calls here;

    /** Routes whose sockets the node links into {@code dir}; frames up to {@code maxFrameBytes}. */
    PeerRoutes(Path dir, int maxFrameBytes) {
        this(dir, maxFrameBytes, HANDSHAKE_MILLIS);
    }

    /** As above, a callee given {@code handshakeMillis} to welcome a caller. */
    PeerRoutes(Path dir, int maxFrameBytes, long handshakeMillis) {
        this.dir = dir;
        this.maxFrameBytes = maxFrameBytes;
        this.handshakeMillis = handshakeMillis;
    }

    /** What runs the calls of routes to apps in this sandbox: set once, before the first route comes. */
    void here(PeerListener.Calls calls) {
        here = calls;
    }

    /**
     * Takes a route from the node; an earlier route to the app is left to its calls in flight. A
     * route with an empty link is to an app in this sandbox (another slot): its calls run here,
     * their input handed over as bytes, as the apps' class loaders are not each other's.
     */
    void route(Message.Route route) {
        if (route.link().contains("/") || route.link().equals(".") || route.link().equals("..") || route.maxInFlight() <= 0) {
            throw new ProtocolException("a route to a socket outside the peers directory, or for no calls");
        }
        // the node gives a route again when calls still reach it: one held already stays, with its connection
        Route[] replaced = new Route[2];
        routes.compute(route.app(), (app, held) -> {
            if (held != null && held.given.equals(route)) {
                return held;
            }
            replaced[0] = held;
            replaced[1] = new Route(route, dir.resolve(route.link()));
            return replaced[1];
        });
        if (replaced[0] != null) {
            replaced[0].retire();
        }
        if (replaced[1] != null && !route.link().isEmpty()) {
            replaced[1].open();
        }
    }

    /**
     * Calls {@code function} of {@code app} directly when this sandbox has a route to it with room;
     * the peer's Result or Failure (a Failure {@link Message#REROUTE} when it did not run the call),
     * or null when the call is to go through the node.
     */
    CompletableFuture<Message> call(String app, String function, String invocationId, long timeoutMillis, Payload payload,
                                    String traceparent) {
        Route route = routes.get(app);
        // a call in a kept trace goes through the node, which gives the callee a span of its own to read
        if (route == null || traceparent.endsWith("-01")) {
            return null;
        }
        return route.call(function, invocationId, timeoutMillis, payload, traceparent);
    }

    /** One route: its connections made as the route comes (none to an app in this sandbox), calls matched to answers by id. */
    private final class Route {
        private final Message.Route given;
        private final Path socket;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicLong ids = new AtomicLong();
        private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
        private final CompletableFuture<Void> welcomed = new CompletableFuture<>();
        private FrameChannel channel; // guarded by this
        /** The connections made so far while the handshake runs, closed with the route; guarded by this. */
        private final java.util.List<SocketChannel> handshaking = new java.util.ArrayList<>();
        private volatile boolean retired;

        Route(Message.Route given, Path socket) {
            this.given = given;
            this.socket = socket;
        }

        CompletableFuture<Message> call(String function, String invocationId, long timeoutMillis, Payload payload, String traceparent) {
            // counted before the route's state is read: a retire that reads no call in flight finds this one's route retired first
            if (inFlight.incrementAndGet() > given.maxInFlight() || retired) {
                inFlight.decrementAndGet();
                return null;
            }
            if (given.link().isEmpty()) {
                if (here == null) {
                    inFlight.decrementAndGet();
                    return null;
                }
                return callHere(function, invocationId, timeoutMillis, payload, traceparent);
            }
            FrameChannel open = welcomedChannel();
            if (open == null) {
                inFlight.decrementAndGet();
                return null;
            }
            long id = ids.incrementAndGet();
            var answer = new CompletableFuture<Message>();
            pending.put(id, answer);
            if (!open.sendNow(new Message.Invoke(id, given.slot(), function, invocationId, timeoutMillis, payload, traceparent))) {
                pending.remove(id);
                inFlight.decrementAndGet();
                forget();
                return null;
            }
            return answer.whenComplete((a, e) -> {
                if (inFlight.decrementAndGet() == 0 && retired) {
                    closeChannel();
                }
            });
        }

        private CompletableFuture<Message> callHere(String function, String invocationId, long timeoutMillis, Payload payload,
                                                    String traceparent) {
            var answer = new CompletableFuture<Message>();
            here.invoke(new Message.Invoke(ids.incrementAndGet(), given.slot(), function, invocationId, timeoutMillis, payload, traceparent),
                    a -> {
                        if (a instanceof Message.Failure f && f.code().equals(Message.REROUTE)) {
                            forget(); // the app left this sandbox
                        }
                        answer.complete(a);
                    }, () -> inFlight.decrementAndGet());
            return answer;
        }

        /** No longer the app's route: its connection closes once its calls in flight are answered. */
        void retire() {
            retired = true;
            if (inFlight.get() == 0) {
                closeChannel();
            }
        }

        private synchronized void closeChannel() {
            if (channel != null) {
                channel.close();
            } else {
                handshaking.forEach(PeerListener::closeQuietly);
            }
        }

        /** {@code socket}, kept to be closed with the route; closed, and an IOException, when the route was retired meanwhile. */
        private synchronized SocketChannel kept(SocketChannel socket) throws IOException {
            if (retired) {
                PeerListener.closeQuietly(socket);
                throw new IOException("the route was retired");
            }
            handshaking.add(socket);
            return socket;
        }

        /**
         * Connects and says hello on a thread of its own, started by the sandbox's reader as the
         * route comes (not by a function's call, whose threads must end with it); then reads the
         * callee's answers there. Two connections: this sandbox's frames go on the first, the
         * callee's come on the second, which presents the pairing token the callee answered the
         * first with — so that this thread's socket stays blocking however the calls are written
         * (see {@link FrameChannel#overSockets}). Calls go through the node until the callee has
         * welcomed this one on the second. A callee that has not within {@value #HANDSHAKE_MILLIS} ms
         * is hung up on, as is one whose route is retired meanwhile.
         */
        void open() {
            Thread.ofPlatform().daemon().name("peer-route-" + given.app()).start(() -> {
                var address = UnixDomainSocketAddress.of(socket);
                FrameChannel opened;
                try {
                    SocketChannel calls = kept(SocketChannel.open(address));
                    FrameChannel.writeOne(calls, new Message.Hello(WireCodec.PROTOCOL_VERSION, ProcessHandle.current().pid(), given.token()));
                    if (!(FrameChannel.readOne(calls, maxFrameBytes) instanceof Message.Hello paired) || paired.token().isEmpty()) {
                        throw new ProtocolException("the called sandbox did not answer with a pairing token");
                    }
                    SocketChannel answers = kept(SocketChannel.open(address));
                    FrameChannel.writeOne(answers, new Message.Hello(WireCodec.PROTOCOL_VERSION, ProcessHandle.current().pid(), paired.token()));
                    opened = FrameChannel.overSockets(answers, calls, maxFrameBytes);
                } catch (IOException | RuntimeException e) {
                    closeChannel();
                    welcomed.completeExceptionally(e);
                    forget();
                    return;
                }
                synchronized (this) {
                    channel = opened;
                    if (retired && inFlight.get() == 0) {
                        opened.close();
                    }
                }
                read(opened);
            });
            // not welcomed in time, or failed: forgotten, and retired with no call in flight, its connections close
            welcomed.orTimeout(handshakeMillis, java.util.concurrent.TimeUnit.MILLISECONDS).whenComplete((ok, failed) -> {
                if (failed != null) {
                    forget();
                }
            });
        }

        /** The channel once the callee welcomed this sandbox, else null. */
        private synchronized FrameChannel welcomedChannel() {
            return welcomed.isDone() && !welcomed.isCompletedExceptionally() && channel.isOpen() ? channel : null;
        }

        private void read(FrameChannel opened) {
            try {
                opened.readLoop(m -> {
                    switch (m) {
                        case Message.Hello h -> welcomed.complete(null);
                        case Message.Revoke r -> forget(); // the door closed: later calls are answered REROUTE
                        case Message.Result r -> answered(r.id(), r);
                        case Message.Failure f -> answered(f.id(), f);
                        default -> throw new ProtocolException("a called sandbox does not send " + m.getClass().getSimpleName());
                    }
                });
            } catch (IOException | RuntimeException e) {
                // the peer went away or broke the protocol: what it did not answer is answered below
            } finally {
                opened.close();
                forget();
                welcomed.completeExceptionally(new IOException("the called sandbox closed the channel"));
                // the callee may have run them (only its own REROUTE says it did not): never sent again
                pending.forEach((id, answer) -> answer.complete(new Message.Failure(id, ErrorCode.SANDBOX_CRASHED.name(),
                        "the sandbox of app " + given.app() + " is gone", "")));
                pending.clear();
            }
        }

        private void answered(long id, Message answer) {
            CompletableFuture<Message> waiting = pending.remove(id);
            if (waiting == null) {
                throw new ProtocolException("an answer to call " + id + ", which is not waiting");
            }
            if (answer instanceof Message.Failure f && f.code().equals(Message.REROUTE)) {
                forget(); // the app left that sandbox
            }
            waiting.complete(answer);
        }

        /** Later calls to the app go through the node, until it routes them again; the connection closes once its calls are answered. */
        private void forget() {
            routes.remove(given.app(), this);
            retire();
        }
    }
}
