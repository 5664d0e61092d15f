package dev.skyfn.bench;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The node ↔ sandbox hop: an Invoke frame out and a Result frame back through {@link FrameChannel}s
 * (codec, batching writer, reader thread, future), beside its limits: a bare round trip of the
 * same bytes over a Unix domain socket with one thread at each end, and over two shared-memory
 * ring buffers (Agrona's one-to-one ring buffers in a memory-mapped file, each end spinning);
 * and the same frames through skyfn's shared-memory transport ({@link FrameChannel#overSharedMemory}:
 * its rings, each reader spinning, then yielding, then asleep on the socket as doorbell).
 *
 * <p>Run: {@code bench/run jmh SocketHopBench}
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"}) // Agrona 2 reads through the JDK's internal Unsafe
@State(Scope.Benchmark)
public class SocketHopBench {

    private static final byte[] BODY = new byte[128];

    private Path dir;
    private SocketChannel bareClient;
    private SocketChannel bareServer;
    private ByteBuffer bareBuffer;
    private int bareFrame;
    private FrameChannel node;
    private FrameChannel sandbox;
    private FrameChannel sharedNode;
    private FrameChannel sharedSandbox;
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private java.nio.channels.FileChannel ringFile;
    private org.agrona.concurrent.ringbuffer.OneToOneRingBuffer toEcho;
    private org.agrona.concurrent.ringbuffer.OneToOneRingBuffer fromEcho;
    private org.agrona.concurrent.UnsafeBuffer ringFrame;
    private volatile boolean running = true;

    @Setup(Level.Trial)
    public void connect() throws IOException {
        dir = Files.createTempDirectory("hop");
        SocketChannel[] bare = pair(dir.resolve("bare.sock"));
        bareClient = bare[0];
        bareServer = bare[1];
        bareFrame = dev.skyfn.core.wire.WireCodec.encode(new Message.Invoke(1, 0, "noop", "0123456789abcdef0123456789ab", 30_000,
                Payload.json(BODY))).length;
        bareBuffer = ByteBuffer.allocateDirect(bareFrame);
        Thread.ofPlatform().daemon().start(this::echoBare);

        int ringBytes = 64 * 1024 + org.agrona.concurrent.ringbuffer.RingBufferDescriptor.TRAILER_LENGTH;
        ringFile = java.nio.channels.FileChannel.open(dir.resolve("rings"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
        var mapped = ringFile.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 2L * ringBytes);
        toEcho = new org.agrona.concurrent.ringbuffer.OneToOneRingBuffer(new org.agrona.concurrent.UnsafeBuffer(mapped, 0, ringBytes));
        fromEcho = new org.agrona.concurrent.ringbuffer.OneToOneRingBuffer(new org.agrona.concurrent.UnsafeBuffer(mapped, ringBytes, ringBytes));
        ringFrame = new org.agrona.concurrent.UnsafeBuffer(new byte[bareFrame]);
        Thread.ofPlatform().daemon().start(this::echoRing);

        SocketChannel[] framed = pair(dir.resolve("framed.sock"));
        node = FrameChannel.overSocket(framed[0], 1 << 20);
        sandbox = FrameChannel.overSocket(framed[1], 1 << 20);
        serve(node, sandbox);

        SocketChannel[] doorbell = pair(dir.resolve("shared.sock"));
        Path frames = dir.resolve("frames.shm");
        FrameChannel.createSharedMemory(frames, 256 << 10);
        sharedNode = FrameChannel.overSharedMemory(doorbell[0], frames, true, 1 << 20);
        sharedSandbox = FrameChannel.overSharedMemory(doorbell[1], frames, false, 1 << 20);
        serve(sharedNode, sharedSandbox);
    }

    /** Reads both ends: the sandbox's answers each Invoke as a grain's thread does, the node's completes the call waiting for it. */
    private void serve(FrameChannel nodeEnd, FrameChannel sandboxEnd) {
        Thread.ofPlatform().daemon().start(() -> read(sandboxEnd, m -> {
            if (m instanceof Message.Invoke i) {
                sandboxEnd.sendNow(new Message.Result(i.id(), i.payload()));
            }
        }));
        Thread.ofPlatform().daemon().start(() -> read(nodeEnd, m -> {
            if (m instanceof Message.Result r) {
                pending.remove(r.id()).complete(r);
            }
        }));
    }

    @Benchmark
    public int bareUnixSocketRoundTrip() throws IOException {
        bareBuffer.clear();
        while (bareBuffer.hasRemaining()) {
            bareClient.write(bareBuffer);
        }
        bareBuffer.clear();
        while (bareBuffer.hasRemaining()) {
            bareClient.read(bareBuffer);
        }
        return bareBuffer.get(0);
    }

    @Benchmark
    public int bareSharedMemoryRoundTrip() {
        while (!toEcho.write(1, ringFrame, 0, bareFrame)) {
            Thread.onSpinWait();
        }
        int[] got = new int[1];
        while (fromEcho.read((type, buffer, index, length) -> got[0] = length, 1) == 0) {
            Thread.onSpinWait();
        }
        return got[0];
    }

    @Benchmark
    public Message skyfnFrameRoundTrip() throws Exception {
        return roundTrip(node::send);
    }

    /** The same, each frame written by the thread that has it when the channel is idle ({@link FrameChannel#sendNow}). */
    @Benchmark
    public Message skyfnFrameRoundTripSentNow() throws Exception {
        return roundTrip(node::sendNow);
    }

    /** The same through the shared-memory transport. */
    @Benchmark
    public Message skyfnFrameRoundTripSharedMemory() throws Exception {
        return roundTrip(sharedNode::sendNow);
    }

    /** An Invoke out through {@code send}, the Result back. */
    private Message roundTrip(java.util.function.Predicate<Message> send) throws Exception {
        long id = ids.incrementAndGet();
        var answer = new CompletableFuture<Message>();
        pending.put(id, answer);
        send.test(new Message.Invoke(id, 0, "noop", "0123456789abcdef0123456789ab", 30_000, Payload.json(BODY)));
        return answer.get();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        running = false;
        ringFile.close();
        node.close();
        sandbox.close();
        sharedNode.close();
        sharedSandbox.close();
        bareClient.close();
        bareServer.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private void echoBare() {
        ByteBuffer buf = ByteBuffer.allocateDirect(bareFrame);
        try {
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    if (bareServer.read(buf) < 0) {
                        return;
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    bareServer.write(buf);
                }
            }
        } catch (IOException e) {
            // closed at tear-down
        }
    }

    private void echoRing() {
        while (running) {
            if (toEcho.read((type, buffer, index, length) -> {
                while (!fromEcho.write(type, buffer, index, length)) {
                    Thread.onSpinWait();
                }
            }, 1) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    private static void read(FrameChannel channel, java.util.function.Consumer<Message> sink) {
        try {
            channel.readLoop(sink);
        } catch (IOException e) {
            // closed at tear-down
        }
    }

    private static SocketChannel[] pair(Path path) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
            return new SocketChannel[]{client, server.accept()};
        }
    }
}
