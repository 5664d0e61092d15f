package dev.skyfn.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every transport of frames does, run against each ({@link SocketFramesTest},
 * {@link SharedMemoryFramesTest}): the two ends of one channel, {@link #sending} the node's and
 * {@link #receiving} the sandbox's, over a connected pair of Unix sockets.
 */
abstract class FrameChannelContract {

    @TempDir
    Path dir;
    SocketChannel client;
    SocketChannel server;

    /** The end on {@link #client}. */
    abstract FrameChannel sending(int maxFrameBytes) throws IOException;

    /** The end on {@link #server}, the other end of {@link #sending}'s channel. */
    abstract FrameChannel receiving(int maxFrameBytes) throws IOException;

    /** A thread handing what {@code receiver} reads to {@code sink} until the channel closes. */
    static Thread reading(FrameChannel receiver, java.util.function.Consumer<Message> sink) {
        return Thread.ofPlatform().start(() -> {
            try {
                receiver.readLoop(sink);
            } catch (IOException closed) {
                // each test closes its channels at its end
            }
        });
    }

    /** Returns once {@code receiver}'s reader has nothing left to do and waits in the way it waits longest. */
    void awaitIdle(FrameChannel receiver) {
    }

    @BeforeEach
    void connect() throws IOException {
        var address = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(address);
            client = SocketChannel.open(address);
            server = listener.accept();
        }
        Files.deleteIfExists(address.getPath());
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        server.close();
    }

    @Test
    void deliversEveryFrameSentConcurrentlyExactlyOnce() throws Exception {
        var sender = sending(1 << 20);
        var receiver = receiving(1 << 20);
        int threads = 16;
        int each = 2_000;
        var seen = ConcurrentHashMap.<Long>newKeySet();
        var done = new CountDownLatch(threads * each);
        Thread reader = reading(receiver, m -> {
            assertThat(seen.add(((Message.Cancel) m).id())).isTrue();
            done.countDown();
        });
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                long base = (long) t * each;
                pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        assertThat(sender.send(new Message.Cancel(base + i))).isTrue();
                    }
                });
            }
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(threads * each);
        sender.close();
        reader.join(5_000);
        assertThat(reader.isAlive()).as("reader stops at end of stream").isFalse();
    }

    @Test
    void keepsEachSendersOrderWhenSomeFramesAreWrittenAtOnce() throws Exception {
        var sender = sending(1 << 20);
        var receiver = receiving(1 << 20);
        int threads = 8;
        int each = 2_000;
        long[] last = new long[threads];
        java.util.Arrays.fill(last, -1);
        var outOfOrder = new java.util.concurrent.atomic.AtomicInteger();
        var done = new CountDownLatch(threads * each);
        reading(receiver, m -> {
            long id = ((Message.Cancel) m).id();
            int t = (int) (id / each);
            if (id % each <= last[t] % each && last[t] >= 0) {
                outOfOrder.incrementAndGet();
            }
            last[t] = id;
            done.countDown();
        });
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                long base = (long) t * each;
                pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        Message m = new Message.Cancel(base + i);
                        assertThat(i % 3 == 0 ? sender.sendNow(m) : sender.send(m)).isTrue();
                    }
                });
            }
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(outOfOrder).hasValue(0);
    }

    @Test
    void carriesFramesLargerThanItsBuffers() throws Exception {
        var sender = sending(8 << 20);
        var receiver = receiving(8 << 20);
        byte[] big = new byte[3 << 20];
        big[big.length - 1] = 42;
        var got = new java.util.concurrent.CompletableFuture<Message>();
        reading(receiver, got::complete);
        Thread.ofVirtual().start(() -> sender.send(new Message.Result(1, Payload.json(big))));
        var result = (Message.Result) got.get(10, TimeUnit.SECONDS);
        assertThat(((Payload.Body) result.payload()).bytes()).isEqualTo(big);
    }

    @Test
    void framesWrittenAtOnceArriveWholeWhateverTheirSizeAndText() throws Exception {
        var sender = sending(8 << 20);
        var receiver = receiving(8 << 20);
        var got = new java.util.concurrent.LinkedBlockingQueue<Message>();
        reading(receiver, got::add);
        // small, beyond the write buffer, beyond the encoding buffer kept, then small again: each through the sender's own buffers
        List<Integer> sizes = List.of(1, 200 << 10, 3000, 2 << 20, 5);
        for (int i = 0; i < sizes.size(); i++) {
            byte[] body = new byte[sizes.get(i)];
            body[body.length - 1] = (byte) i;
            assertThat(sender.sendNow(new Message.Invoke(i, 1, "grüße-" + i, "inv-€-" + i, 1000, new Payload.Body("text/plain; charset=ü", body))))
                    .isTrue();
        }
        for (int i = 0; i < sizes.size(); i++) {
            var invoke = (Message.Invoke) got.poll(10, TimeUnit.SECONDS);
            assertThat(invoke).isNotNull();
            assertThat(invoke.id()).isEqualTo(i);
            assertThat(invoke.function()).isEqualTo("grüße-" + i);
            assertThat(invoke.invocationId()).isEqualTo("inv-€-" + i);
            var body = (Payload.Body) invoke.payload();
            assertThat(body.contentType()).isEqualTo("text/plain; charset=ü");
            assertThat(body.bytes()).hasSize(sizes.get(i)).endsWith((byte) i);
        }
    }

    @Test
    void cutsOffAPeerThatAnnouncesAnOversizedFrame() throws Exception {
        var receiver = receiving(1024);
        client.write(ByteBuffer.allocate(8).putInt(0, 1 << 30));
        assertThatThrownBy(() -> receiver.readLoop(m -> { })).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("limit 1024");
    }

    @Test
    void anInterruptedSenderDoesNotCloseTheChannel() throws Exception {
        var sender = sending(1024);
        var receiver = receiving(1024);
        var got = new java.util.concurrent.LinkedBlockingQueue<Message>();
        reading(receiver, got::add);
        // a cancelled invocation's thread answering: its interrupt must not close the socket under every other call
        Thread interrupted = Thread.ofVirtual().unstarted(() -> {
            Thread.currentThread().interrupt();
            sender.sendNow(new Message.Cancel(1));
        });
        interrupted.start();
        interrupted.join();
        assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(new Message.Cancel(1));
        assertThat(sender.isOpen()).isTrue();
        assertThat(sender.sendNow(new Message.Cancel(2))).isTrue();
        assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(new Message.Cancel(2));
    }

    @Test
    void aReaderIdleForLongStillTakesTheNextFrameAtOnce() throws Exception {
        var sender = sending(1024);
        var receiver = receiving(1024);
        var got = new java.util.concurrent.LinkedBlockingQueue<Message>();
        reading(receiver, got::add);
        for (int i = 0; i < 3; i++) {
            awaitIdle(receiver);
            assertThat(sender.sendNow(new Message.Cancel(i))).isTrue();
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(new Message.Cancel(i));
        }
    }

    @Test
    void theReaderStopsWhenThePeerCloses() throws Exception {
        var sender = sending(1024);
        var receiver = receiving(1024);
        var ended = new java.util.concurrent.CompletableFuture<Void>();
        Thread.ofPlatform().start(() -> {
            try {
                receiver.readLoop(m -> { });
                ended.complete(null);
            } catch (IOException | RuntimeException e) {
                ended.completeExceptionally(e);
            }
        });
        awaitIdle(receiver);
        sender.close();
        ended.get(10, TimeUnit.SECONDS);
    }

    @Test
    void reportsSendsAfterCloseAsDropped() throws IOException {
        var sender = sending(1024);
        sender.close();
        assertThat(sender.send(new Message.Cancel(1))).isFalse();
        assertThat(List.of(sender.isOpen())).containsExactly(false);
    }
}
