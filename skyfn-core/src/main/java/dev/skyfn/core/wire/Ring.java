package dev.skyfn.core.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One direction of a shared-memory channel: a ring of records in a region of a file that two
 * processes map, one writing, the other reading (single producer, single consumer; a process's
 * own senders take turns, {@link SharedMemoryFrames}). Positions only grow; a record never wraps
 * around the end of the data area, which a padding record fills instead — the layout of Agrona's
 * and the LMAX Disruptor's rings, over a {@link MemorySegment} so that every access is bounds
 * checked: the peer writing the region is not trusted, and a record it corrupts is a
 * {@link ProtocolException}, never a read outside the region. (The file cut short under the
 * mapping, which the peer can do too, is its channel's to report: {@link SharedMemoryFrames}.)
 *
 * <p>Layout, in bytes from the region's start (each counter on a cache line of its own):
 * <pre>
 *   0    tail      long  bytes ever written; set by the producer with release semantics
 *   64   head      long  bytes ever read; set by the consumer with release semantics
 *   128  sleeping  int   1 while the consumer is asleep on the doorbell, cleared by whoever wakes it
 *   192  data      capacity bytes (a power of two) of records: int length, bytes, zeros to 8-byte alignment
 * </pre>
 * A length of {@value #PAD} skips the rest of the data area; {@value #ON_SOCKET} says the next
 * frame came over the socket instead (a frame too large for the ring).
 */
final class Ring {

    static final int HEADER = 192;
    static final int PAD = -1;
    static final int ON_SOCKET = -2;
    /** What {@link #poll} returns when no record is waiting. */
    static final int EMPTY = -3;
    private static final long TAIL = 0;
    private static final long HEAD = 64;
    private static final long SLEEPING = 128;
    private static final int LENGTH_BYTES = 4;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment region;
    private final MemorySegment data;
    private final int capacity;
    private final long mask;
    /** The producer's own copy of the tail, or the consumer's of the head: each end owns one counter. */
    private long position;
    /** The consumer's copy of the last record read, grown to the largest. */
    private byte[] scratch = new byte[1024];

    private Ring(MemorySegment region, int capacity, long position) {
        this.region = region;
        this.capacity = capacity;
        this.mask = capacity - 1L;
        this.data = region.asSlice(HEADER, capacity);
        this.position = position;
    }

    /** The bytes a region with {@code capacity} bytes of records takes. */
    static long regionBytes(int capacity) {
        return HEADER + (long) capacity;
    }

    /** The producing end of the ring in {@code region}. */
    static Ring producer(MemorySegment region) {
        return new Ring(region, capacityOf(region), (long) LONG.getAcquire(region, TAIL));
    }

    /** The consuming end of the ring in {@code region}. */
    static Ring consumer(MemorySegment region) {
        return new Ring(region, capacityOf(region), (long) LONG.getAcquire(region, HEAD));
    }

    private static int capacityOf(MemorySegment region) {
        long capacity = region.byteSize() - HEADER;
        if (capacity < 64 || capacity > (1 << 30) || Long.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("a ring's data area must be a power of two of 64 bytes to 1 GiB, not " + capacity);
        }
        return (int) capacity;
    }

    /** The largest frame a record can hold: an eighth of the ring, so that a full ring still holds several. */
    int maxFrameBytes() {
        return capacity / 8 - LENGTH_BYTES;
    }

    // ---- the producer's side

    /**
     * Writes a record of the {@code length} bytes of {@code bytes} from {@code offset} if the ring
     * has room for it now; false when it has not (the consumer has yet to read what is there).
     *
     * @throws ProtocolException if the consumer set its head where no consumer could have read to
     */
    boolean offer(byte[] bytes, int offset, int length) {
        if (length > maxFrameBytes()) {
            throw new IllegalArgumentException("a frame of " + length + " bytes does not fit a ring record");
        }
        int at = claim(LENGTH_BYTES + length);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(bytes, offset, data, ValueLayout.JAVA_BYTE, at + LENGTH_BYTES, length);
        publish(at, length);
        return true;
    }

    /** Writes a record saying the next frame is on the socket; false when the ring has no room now. */
    boolean offerOnSocket() {
        int at = claim(LENGTH_BYTES);
        if (at < 0) {
            return false;
        }
        publish(at, ON_SOCKET);
        return true;
    }

    /** Where a record of {@code bytes} goes, padding to the end of the data area first if it would wrap; -1 if no room. */
    private int claim(int bytes) {
        int aligned = align(bytes);
        long head = (long) LONG.getAcquire(region, HEAD);
        if (head > position || position - head > capacity) {
            throw new ProtocolException("shared-memory ring corrupt: head " + head + ", tail " + position);
        }
        int at = (int) (position & mask);
        int toEnd = capacity - at;
        int needed = aligned <= toEnd ? aligned : toEnd + aligned;
        if (capacity - (position - head) < needed) {
            return -1;
        }
        if (aligned > toEnd) {
            data.set(ValueLayout.JAVA_INT, at, PAD);
            position += toEnd;
            LONG.setRelease(region, TAIL, position); // the consumer may skip the padding before the record is written
            at = 0;
        }
        return at;
    }

    private void publish(int at, int length) {
        data.set(ValueLayout.JAVA_INT, at, length);
        position += align(LENGTH_BYTES + Math.max(length, 0));
        LONG.setRelease(region, TAIL, position);
    }

    /**
     * Whether the consumer is asleep and this call is the one to wake it: clears the flag. Called
     * after writing, it sees a consumer that went to sleep before the write (the full fence pairs
     * with the one in {@link #sleep}).
     */
    boolean takeSleeper() {
        VarHandle.fullFence();
        return (int) INT.getVolatile(region, SLEEPING) == 1 && INT.compareAndSet(region, SLEEPING, 1, 0);
    }

    // ---- the consumer's side

    /**
     * The next record: its frame's length (its bytes then in {@link #frame()} until the next
     * poll), {@link #ON_SOCKET}, or {@link #EMPTY}.
     *
     * @throws ProtocolException if the producer wrote what no producer following this layout writes
     */
    int poll() {
        while (true) {
            long tail = (long) LONG.getAcquire(region, TAIL);
            long waiting = tail - position;
            if (waiting == 0) {
                return EMPTY;
            }
            if (waiting < 0 || waiting > capacity || (waiting & 7) != 0) {
                throw new ProtocolException("shared-memory ring corrupt: tail " + tail + ", head " + position);
            }
            int at = (int) (position & mask);
            int length = data.get(ValueLayout.JAVA_INT, at);
            if (length == PAD) {
                advance(capacity - at);
                continue;
            }
            if (length == ON_SOCKET) {
                advance(align(LENGTH_BYTES));
                return ON_SOCKET;
            }
            long size = align(LENGTH_BYTES + (long) length);
            if (length < 0 || size > waiting || at + size > capacity) {
                throw new ProtocolException("shared-memory ring corrupt: a record of " + length + " bytes at " + position);
            }
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at + LENGTH_BYTES, scratch, 0, length);
            advance(size);
            return length;
        }
    }

    /** The bytes of the frame last polled: the first {@code length} of them. */
    byte[] frame() {
        return scratch;
    }

    private void advance(long bytes) {
        position += bytes;
        LONG.setRelease(region, HEAD, position);
    }

    /**
     * Marks the consumer asleep; true if it may sleep, false if a record came meanwhile (the mark
     * is then taken back). The full fence pairs with the one in {@link #takeSleeper}: either the
     * producer sees the mark and rings, or this sees its record.
     */
    boolean sleep() {
        INT.setVolatile(region, SLEEPING, 1);
        VarHandle.fullFence();
        if ((long) LONG.getAcquire(region, TAIL) != position) {
            INT.setVolatile(region, SLEEPING, 0);
            return false;
        }
        return true;
    }

    /** Whether the consumer is marked asleep now. */
    boolean consumerAsleep() {
        return (int) INT.getVolatile(region, SLEEPING) == 1;
    }

    /** Takes back the mark after sleeping, whether or not the producer took it. */
    void awake() {
        INT.setVolatile(region, SLEEPING, 0);
    }

    private static int align(int bytes) {
        return (bytes + 7) & ~7;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
