package dev.skyfn.core.wire;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Frames through two {@link Ring}s in a memory-mapped file, one each way, with a Unix socket
 * between the same two ends as the doorbell and for frames a ring cannot hold.
 *
 * <p>A sender writes its frame into the outgoing ring itself, under a lock its process's other
 * senders share, and rings the doorbell — a frame of length 0 on the socket — only if the reader
 * on the other side has gone to sleep. A reader that finds its ring empty spins for a few
 * microseconds, then yields the CPU for a while (on a busy machine, to whatever else is ready),
 * and then sleeps in a read of the socket until a doorbell or a frame arrives ({@link Idle}).
 * A frame too large for a ring goes over the socket with a record in the ring saying so, so the
 * reader takes every frame in the order it was sent.
 */
final class SharedMemoryFrames implements FrameChannel {

    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int OUT_BYTES = 1024;
    private static final byte[] BELL = {0, 0, 0, 0};
    /** How long a sender waits between tries while the ring is full: the reader is behind, not gone. */
    private static final long FULL_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    /**
     * How a reader with nothing to read waits: spinning for {@code spinNanos}, then yielding the
     * CPU until {@code yieldNanos} have passed, then asleep until a doorbell. The spin catches
     * an answer that comes within microseconds without a system call; the yields cost nothing on
     * a busy CPU and keep a reader ready for the next call on an idle one.
     */
    record Idle(long spinNanos, long yieldNanos) {
        static final Idle DEFAULT = new Idle(TimeUnit.MICROSECONDS.toNanos(5), TimeUnit.MICROSECONDS.toNanos(50));
        /** Straight to sleep on the doorbell. */
        static final Idle SLEEP = new Idle(0, 0);

        /**
         * How a reader in a process that may run on {@code cpus} CPUs waits: {@link #DEFAULT} on
         * more than one, {@link #SLEEP} on one. On one CPU the writer it waits for cannot run
         * while it spins, and a yielding reader stays runnable, so it takes its share of the CPU
         * from the threads doing the work: a node and its sandbox on one CPU, both readers
         * yielding, answered 11,400 calls a second at 64 connections against 47,100 with both
         * asleep (2026-12-05), where the socket transport answered 44,400.
         */
        static Idle forCpus(int cpus) {
            return cpus > 1 ? DEFAULT : SLEEP;
        }
    }

    private final SocketChannel socket;
    private final Ring out;
    private final Ring in;
    private final int maxFrameBytes;
    private final Idle idle;
    private final ReentrantLock sending = new ReentrantLock();
    /** What frames are encoded into; used holding {@link #sending}. */
    private WireOut encoded = new WireOut(OUT_BYTES);
    /** Frames that came over the socket, waiting for their records in the ring; the reader's alone. */
    private final ArrayDeque<Message> fromSocket = new ArrayDeque<>();
    private ByteBuffer socketIn = ByteBuffer.allocate(BUFFER_BYTES);
    private volatile boolean closed;

    private SharedMemoryFrames(SocketChannel socket, Ring out, Ring in, int maxFrameBytes, Idle idle) {
        this.socket = socket;
        this.out = out;
        this.in = in;
        this.maxFrameBytes = maxFrameBytes;
        this.idle = idle;
    }

    static void create(Path file, int ringBytes) throws IOException {
        long size = 2 * Ring.regionBytes(ringBytes);
        if (Long.bitCount(ringBytes) != 1) {
            throw new IllegalArgumentException("a ring's size must be a power of two, not " + ringBytes);
        }
        try (FileChannel channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
    }

    /** The node's end produces into the first ring and consumes the second; the sandbox's the other way round. */
    static SharedMemoryFrames open(SocketChannel socket, Path file, boolean node, int maxFrameBytes, Idle idle) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size % 2 != 0) {
                throw new IOException(file + " is not a shared-memory channel: " + size + " bytes");
            }
            // unmapped when the channel is collected: a reader or sender still in it never touches an unmapped page
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, Arena.ofAuto());
            MemorySegment first = whole.asSlice(0, size / 2);
            MemorySegment second = whole.asSlice(size / 2, size / 2);
            try {
                return node ? new SharedMemoryFrames(socket, Ring.producer(first), Ring.consumer(second), maxFrameBytes, idle)
                        : new SharedMemoryFrames(socket, Ring.producer(second), Ring.consumer(first), maxFrameBytes, idle);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " is not a shared-memory channel: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean send(Message message) {
        return write(message);
    }

    /** The same as {@link #send}: every sender writes its frame itself. */
    @Override
    public boolean sendNow(Message message) {
        return write(message);
    }

    /** Nothing is ever queued: a frame is in the ring when {@link #send} returns. */
    @Override
    public void drainNow() {
    }

    private boolean write(Message message) {
        if (closed) {
            return false;
        }
        sending.lock();
        try {
            WireCodec.encode(message, encoded);
            int length = encoded.size() - WireCodec.HEADER_BYTES;
            if (length <= out.maxFrameBytes()) {
                while (!out.offer(encoded.array(), WireCodec.HEADER_BYTES, length)) {
                    if (!awaitRoom()) {
                        return false;
                    }
                }
            } else {
                while (!out.offerOnSocket()) {
                    if (!awaitRoom()) {
                        return false;
                    }
                }
                writeSocket(ByteBuffer.wrap(encoded.array(), 0, encoded.size()));
            }
            if (out.takeSleeper()) {
                writeSocket(ByteBuffer.wrap(BELL));
            }
            if (encoded.array().length > BUFFER_BYTES) {
                encoded = new WireOut(OUT_BYTES); // a large frame's buffer is not kept
            }
            return true;
        } catch (IOException | ProtocolException | InternalError e) {
            // a broken socket, a reader that corrupted its ring or cut its file short (the lost page an
            // InternalError, see cutShort): either way the peer is cut off
            close();
            return false;
        } finally {
            sending.unlock();
        }
    }

    /** Waits a moment for the reader to make room; false if the channel closed meanwhile. */
    private boolean awaitRoom() {
        LockSupport.parkNanos(FULL_PAUSE_NANOS);
        return !closed;
    }

    /**
     * Writes the whole buffer to the socket. An interrupted thread's write would close the socket
     * (an interruptible channel's rule), so such a thread has another write it and waits for it.
     */
    private void writeSocket(ByteBuffer bytes) throws IOException {
        if (!Thread.currentThread().isInterrupted()) {
            writeFully(bytes);
            return;
        }
        AtomicReference<IOException> failed = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().name("frame-writer").start(() -> {
            try {
                writeFully(bytes);
            } catch (IOException e) {
                failed.set(e);
            }
        });
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                // the interruption is the caller's: kept for it below
            }
        }
        Thread.currentThread().interrupt();
        if (failed.get() != null) {
            throw failed.get();
        }
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            socket.write(bytes);
        }
    }

    @Override
    public void readLoop(Consumer<Message> sink) throws IOException {
        long idleSince = 0;
        int idleTries = 0;
        boolean yielding = false;
        while (!closed) {
            int length = poll();
            if (length >= 0) {
                checkSize(length);
                sink.accept(WireCodec.decode(in.frame(), 0, length));
                idleTries = 0;
                yielding = false;
                continue;
            }
            if (length == Ring.ON_SOCKET) {
                Message m = nextFromSocket();
                if (m == null) {
                    return;
                }
                sink.accept(m);
                idleTries = 0;
                yielding = false;
                continue;
            }
            if (!fromSocket.isEmpty()) {
                // a sender writes a frame's record before the frame: one that came without is no sender's
                throw new ProtocolException("a frame came over the socket without its record in the shared-memory ring");
            }
            // the clock is read once in 64 spins, and at each yield, which costs far more than reading it
            if (yielding || (idleTries & 63) == 0) {
                long now = System.nanoTime();
                if (idleTries == 0) {
                    idleSince = now;
                }
                long idled = now - idleSince;
                if (idled >= idle.spinNanos() + idle.yieldNanos()) {
                    if (!sleep()) {
                        return;
                    }
                    idleTries = 0;
                    yielding = false;
                    continue;
                }
                yielding = idled >= idle.spinNanos();
            }
            idleTries++;
            if (yielding) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private int poll() {
        try {
            return in.poll();
        } catch (InternalError e) {
            throw cutShort(e);
        }
    }

    /** Sleeps in a read of the socket unless a record came meanwhile; false if the peer closed it. */
    private boolean sleep() throws IOException {
        try {
            if (!in.sleep()) {
                return true;
            }
            try {
                return readSocket();
            } finally {
                in.awake();
            }
        } catch (InternalError e) {
            throw cutShort(e);
        }
    }

    /**
     * The file under the rings was cut short (by the peer: it can truncate the file it shares),
     * so a page they map is gone: the JVM reports the fault as an InternalError, not a crash.
     */
    private static ProtocolException cutShort(InternalError e) {
        return new ProtocolException("shared-memory file cut short by its peer: " + e.getMessage());
    }

    /** The next frame that came over the socket, reading it if it has not yet; null if the peer closed the socket first. */
    private Message nextFromSocket() throws IOException {
        while (fromSocket.isEmpty()) {
            if (!readSocket()) {
                return null;
            }
        }
        return fromSocket.poll();
    }

    /** One read of the socket: frames kept, doorbells dropped; false at its end. */
    private boolean readSocket() throws IOException {
        if (socket.read(socketIn) < 0) {
            return false;
        }
        socketIn.flip();
        while (socketIn.remaining() >= WireCodec.HEADER_BYTES) {
            int length = socketIn.getInt(socketIn.position());
            if (length != 0) {
                checkSize(length);
            }
            int whole = WireCodec.HEADER_BYTES + length;
            if (socketIn.remaining() < whole) {
                break;
            }
            if (length > 0) {
                fromSocket.add(WireCodec.decode(socketIn.array(), socketIn.arrayOffset() + socketIn.position() + WireCodec.HEADER_BYTES, length));
            }
            socketIn.position(socketIn.position() + whole);
        }
        socketIn = WireCodec.room(socketIn, BUFFER_BYTES);
        return true;
    }

    private void checkSize(int length) {
        WireCodec.frameLength(length, maxFrameBytes);
    }

    /** Whether this end's reader sleeps on the doorbell now. */
    boolean readerAsleep() {
        return in.consumerAsleep();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a broken socket has nothing left to report
        }
    }
}
