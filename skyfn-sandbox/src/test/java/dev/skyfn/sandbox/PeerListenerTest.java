package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.WireCodec;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sandbox's door for direct calls, on a real Unix socket: only callers presenting a token the
 * node admitted get in, a caller that breaks the protocol is shut out alone, and a revoke closes
 * the door and is answered once the calls inside have ended.
 */
class PeerListenerTest {

    private static final long WAIT_SECONDS = 10;

    @TempDir
    Path dir;
    private PeerListener door;
    /** Calls that reached the door's runner, by id; each is answered once the test releases it. */
    private final Map<Long, CompletableFuture<Void>> started = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Void>> released = new ConcurrentHashMap<>();
    private final List<Long> ran = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws IOException {
        door = PeerListener.bind(dir, 1 << 20, System.err);
        assertThat(door).isNotNull();
        door.serve((invoke, answer, ended) -> {
            ran.add(invoke.id());
            future(started, invoke.id()).complete(null);
            future(released, invoke.id()).thenRun(() -> {
                answer.accept(new Message.Result(invoke.id(), Payload.EMPTY));
                ended.run();
            });
        });
    }

    private static CompletableFuture<Void> future(Map<Long, CompletableFuture<Void>> of, long id) {
        return of.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** A calling sandbox's end: what it receives, and whether the door hung up on it. */
    private record Caller(FrameChannel channel, BlockingQueue<Message> received, CompletableFuture<Void> hungUp) {
        Message next() throws InterruptedException {
            Message m = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(m).as("a frame from the door").isNotNull();
            return m;
        }

        void invoke(long id) {
            channel.send(new Message.Invoke(id, 0, "f", "inv-" + id, 1000, Payload.EMPTY, ""));
        }
    }

    private SocketChannel dial() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve(PeerListener.SOCKET)));
    }

    /** One connection, frames both ways: what a caller that does not pair its connections has. */
    private Caller connect() throws IOException {
        return listen(FrameChannel.overSocket(dial(), 1 << 20));
    }

    private Caller listen(FrameChannel channel) {
        var caller = new Caller(channel, new LinkedBlockingQueue<>(), new CompletableFuture<>());
        Thread.ofVirtual().start(() -> {
            try {
                channel.readLoop(caller.received()::add);
            } catch (IOException | RuntimeException e) {
                // hung up on
            } finally {
                caller.hungUp().complete(null);
            }
        });
        return caller;
    }

    /** The pairing token the door answers a first connection presenting {@code token} with. */
    private static String pairingToken(SocketChannel first, String token) throws IOException {
        FrameChannel.writeOne(first, new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, token));
        Message answer = FrameChannel.readOne(first, 1 << 20);
        assertThat(answer).isInstanceOf(Message.Hello.class);
        String pairing = ((Message.Hello) answer).token();
        assertThat(pairing).as("a pairing token").hasSize(32);
        return pairing;
    }

    /** A caller's two connections, as a sandbox makes them: its frames on the first, the door's on the second. */
    private Caller welcomed(String token) throws Exception {
        SocketChannel calls = dial();
        String pairing = pairingToken(calls, token);
        SocketChannel answers = dial();
        FrameChannel.writeOne(answers, new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, pairing));
        Caller caller = listen(FrameChannel.overSockets(answers, calls, 1 << 20));
        assertThat(caller.next()).isEqualTo(new Message.Hello(WireCodec.PROTOCOL_VERSION, ProcessHandle.current().pid(), ""));
        return caller;
    }

    @Test
    void aPairingTokenOpensOneSecondConnectionAndIsNoAdmittedToken() throws Exception {
        door.admit("t1");
        SocketChannel calls = dial();
        String pairing = pairingToken(calls, "t1");

        Caller guessing = connect();
        guessing.channel().send(new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, "0".repeat(32)));
        guessing.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);

        SocketChannel answers = dial();
        FrameChannel.writeOne(answers, new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, pairing));
        Caller caller = listen(FrameChannel.overSockets(answers, calls, 1 << 20));
        assertThat(caller.next()).isInstanceOf(Message.Hello.class);

        Caller again = connect();
        again.channel().send(new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, pairing));
        again.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(again.received()).as("taken once: then it is no token the node admitted").isEmpty();

        caller.invoke(1);
        future(started, 1).get(WAIT_SECONDS, TimeUnit.SECONDS);
        future(released, 1).complete(null);
        assertThat(caller.next()).isEqualTo(new Message.Result(1, Payload.EMPTY));
    }

    @Test
    void aCallerPresentingAnAdmittedTokenIsWelcomedAndItsCallsAreAnswered() throws Exception {
        door.admit("t1");
        Caller caller = welcomed("t1");

        caller.invoke(1);
        future(started, 1).get(WAIT_SECONDS, TimeUnit.SECONDS);
        future(released, 1).complete(null);

        assertThat(caller.next()).isEqualTo(new Message.Result(1, Payload.EMPTY));
    }

    @Test
    void aCallerWithoutAnAdmittedTokenIsHungUpOnAndRunsNothing() throws Exception {
        door.admit("t1");
        Caller stranger = connect();
        stranger.channel().send(new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, "t2"));
        stranger.invoke(1);
        stranger.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);

        Caller rude = connect();
        rude.invoke(2); // no hello first
        rude.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);

        Caller old = connect();
        old.channel().send(new Message.Hello(WireCodec.PROTOCOL_VERSION - 1, 1, "t1"));
        old.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(ran).isEmpty();
        assertThat(stranger.received()).isEmpty();
    }

    @Test
    void aCallerThatBreaksTheProtocolIsHungUpOnAndOthersCarryOn() throws Exception {
        door.admit("t1");
        Caller breaking = welcomed("t1");
        breaking.channel().send(new Message.Cancel(7)); // a caller sends only invocations
        breaking.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);

        Caller good = welcomed("t1");
        good.invoke(3);
        future(started, 3).get(WAIT_SECONDS, TimeUnit.SECONDS);
        future(released, 3).complete(null);
        assertThat(good.next()).isEqualTo(new Message.Result(3, Payload.EMPTY));
    }

    @Test
    void aRevokeClosesTheDoorAndIsAnsweredOnceTheCallsInsideHaveEnded() throws Exception {
        door.admit("t1");
        Caller caller = welcomed("t1");
        caller.invoke(1);
        future(started, 1).get(WAIT_SECONDS, TimeUnit.SECONDS);

        var drained = new CompletableFuture<Void>();
        door.revoke(() -> drained.complete(null));

        assertThat(caller.next()).as("told the door is closed").isEqualTo(new Message.Revoke(0));
        caller.invoke(2);
        Message refused = caller.next();
        assertThat(refused).isInstanceOf(Message.Failure.class);
        assertThat(((Message.Failure) refused).id()).isEqualTo(2);
        assertThat(((Message.Failure) refused).code()).isEqualTo(Message.REROUTE);
        assertThat(ran).as("a call after the revoke does not run").containsExactly(1L);
        assertThat(drained).as("call 1 still runs").isNotDone();

        future(released, 1).complete(null);
        assertThat(caller.next()).isEqualTo(new Message.Result(1, Payload.EMPTY));
        drained.get(WAIT_SECONDS, TimeUnit.SECONDS);

        Caller late = connect();
        late.channel().send(new Message.Hello(WireCodec.PROTOCOL_VERSION, 1, "t1"));
        late.hungUp().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aRevokeWithNothingInsideIsAnsweredAtOnce() throws Exception {
        var drained = new CompletableFuture<Void>();
        door.revoke(() -> drained.complete(null));
        drained.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void noDirectoryNoDoor() throws IOException {
        assertThat(PeerListener.bind(dir.resolve("absent"), 1 << 20, System.err)).isNull();
    }
}
