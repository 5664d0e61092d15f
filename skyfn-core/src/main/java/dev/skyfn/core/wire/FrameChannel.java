package dev.skyfn.core.wire;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Frames between a node and one of its sandboxes, both ways, over one of two transports (see
 * {@code docs/sandbox-protocol.md}): Unix domain sockets ({@link #overSockets}), or two rings in
 * a memory-mapped file with the socket kept as the doorbell that wakes a sleeping reader and as
 * the path of frames too large for a ring ({@link #overSharedMemory}). Both carry the same frames
 * in the same order; the peer is not trusted by either.
 */
public interface FrameChannel extends Closeable {

    /** Frames over {@code socket} alone, both ways; frames longer than {@code maxFrameBytes} are a {@link ProtocolException}. */
    static FrameChannel overSocket(SocketChannel socket, int maxFrameBytes) {
        return new SocketFrames(socket, socket, maxFrameBytes);
    }

    /**
     * Frames read from {@code in} and written to {@code out}, two sockets between the same ends.
     * A socket a virtual thread has used is non-blocking from then on (the JDK's rule), so a
     * platform thread's blocking read of it is a read, a read that finds nothing and a
     * {@code poll} each time it waits; read by one platform thread and never touched by a virtual
     * thread at this end, {@code in} stays blocking: one system call a wait.
     */
    static FrameChannel overSockets(SocketChannel in, SocketChannel out, int maxFrameBytes) {
        return new SocketFrames(in, out, maxFrameBytes);
    }

    /** Writes {@code message}, one frame, to {@code socket} from the calling thread. */
    static void writeOne(SocketChannel socket, Message message) throws IOException {
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.wrap(WireCodec.encode(message));
        while (frame.hasRemaining()) {
            socket.write(frame);
        }
    }

    /** Reads one frame from {@code socket} on the calling thread; ProtocolException when it is malformed or too long, EOFException at the end. */
    static Message readOne(SocketChannel socket, int maxFrameBytes) throws IOException {
        java.nio.ByteBuffer header = readFully(socket, java.nio.ByteBuffer.allocate(WireCodec.HEADER_BYTES));
        int length = WireCodec.frameLength(header.getInt(0), maxFrameBytes);
        java.nio.ByteBuffer body = readFully(socket, java.nio.ByteBuffer.allocate(length));
        return WireCodec.decode(body.array(), 0, length);
    }

    private static java.nio.ByteBuffer readFully(SocketChannel socket, java.nio.ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (socket.read(into) < 0) {
                throw new java.io.EOFException("the socket ended within a frame");
            }
        }
        return into;
    }

    /**
     * Frames through the rings of {@code file} (made by {@link #createSharedMemory}), the node's
     * end when {@code node} is true and the sandbox's when it is false, with {@code socket}
     * connecting the same two ends as the doorbell and for frames a ring cannot hold. A reader
     * with nothing to read spins, then yields, then sleeps on the doorbell — straight to sleep
     * in a process confined to one CPU, where spinning and yielding would only slow its peer.
     *
     * @throws IOException if the file cannot be mapped, or its size is not one of two rings'
     */
    static FrameChannel overSharedMemory(SocketChannel socket, Path file, boolean node, int maxFrameBytes) throws IOException {
        return SharedMemoryFrames.open(socket, file, node, maxFrameBytes,
                SharedMemoryFrames.Idle.forCpus(Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Makes the file of a shared-memory channel, readable and writable by its owner alone: two
     * rings of {@code ringBytes} each (a power of two), one each way; frames up to an eighth of a
     * ring go through it.
     */
    static void createSharedMemory(Path file, int ringBytes) throws IOException {
        SharedMemoryFrames.create(file, ringBytes);
    }

    /** Queues a message for sending; false if the channel is closed and it was dropped. */
    boolean send(Message message);

    /**
     * Sends from the calling thread when the channel is idle, else like {@link #send}: for a
     * thread with one frame to send and an answer to await.
     */
    boolean sendNow(Message message);

    /** Writes every frame queued so far before it returns: for a process about to end, whose writer would not get to them. */
    void drainNow() throws IOException;

    /**
     * Reads frames and hands each to {@code sink} on the calling thread until the peer closes the
     * socket or this channel is closed.
     *
     * @throws ProtocolException on a malformed or oversized frame
     * @throws IOException       when the socket fails, or is closed under the reading thread
     */
    void readLoop(Consumer<Message> sink) throws IOException;

    boolean isOpen();

    @Override
    void close();
}
