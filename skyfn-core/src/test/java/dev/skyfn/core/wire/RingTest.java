package dev.skyfn.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RingTest {

    private static final int CAPACITY = 1024;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment region = arena.allocate(Ring.regionBytes(CAPACITY), 64);
    private final Ring producer = Ring.producer(region);
    private final Ring consumer = Ring.consumer(region);

    @AfterEach
    void free() {
        arena.close();
    }

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    @Test
    void recordsOfEverySizeComeOutWholeAndInOrderAcrossManyWraps() {
        int read = 0;
        for (int sent = 0; sent < 2_000; sent++) {
            int length = expectedLength(sent);
            while (!producer.offer(bytes(length + 3, sent), 3, length)) {
                readOne(read++); // full: the consumer makes room
            }
        }
        while (read < 2_000) {
            readOne(read++);
        }
        assertThat(consumer.poll()).isEqualTo(Ring.EMPTY);
    }

    private void readOne(int index) {
        int length = expectedLength(index);
        assertThat(consumer.poll()).isEqualTo(length);
        assertThat(Arrays.copyOf(consumer.frame(), length)).isEqualTo(Arrays.copyOfRange(bytes(length + 3, index), 3, length + 3));
    }

    private int expectedLength(int round) {
        return (round * 37) % (producer.maxFrameBytes() + 1);
    }

    @Test
    void aFullRingRefusesUntilTheConsumerReads() {
        int written = 0;
        while (producer.offer(new byte[60], 0, 60)) {
            written++;
        }
        assertThat(written).as("64-byte records in 1 KiB").isEqualTo(CAPACITY / 64);
        assertThat(consumer.poll()).isEqualTo(60);
        assertThat(producer.offer(new byte[60], 0, 60)).isTrue();
        assertThat(producer.offer(new byte[60], 0, 60)).isFalse();
    }

    @Test
    void aMarkerSaysTheNextFrameIsOnTheSocket() {
        assertThat(producer.offer(new byte[] {1}, 0, 1)).isTrue();
        assertThat(producer.offerOnSocket()).isTrue();
        assertThat(consumer.poll()).isEqualTo(1);
        assertThat(consumer.poll()).isEqualTo(Ring.ON_SOCKET);
        assertThat(consumer.poll()).isEqualTo(Ring.EMPTY);
    }

    @Test
    void refusesARecordLargerThanAnEighthOfTheRing() {
        assertThatThrownBy(() -> producer.offer(new byte[CAPACITY / 8], 0, CAPACITY / 8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDoorbellRingsOnlyForASleeperAndOnlyOnce() {
        assertThat(producer.takeSleeper()).as("nobody asleep").isFalse();
        assertThat(consumer.sleep()).isTrue();
        assertThat(producer.offer(new byte[1], 0, 1)).isTrue();
        assertThat(producer.takeSleeper()).isTrue();
        assertThat(producer.takeSleeper()).as("already woken").isFalse();
        consumer.awake();
        assertThat(consumer.sleep()).as("a record is waiting: no sleep").isFalse();
        assertThat(consumer.consumerAsleep()).isFalse();
    }

    @Test
    void whatAPeerCouldCorruptIsAProtocolViolation() {
        // a tail beyond what the ring holds
        region.set(ValueLayout.JAVA_LONG, 0, CAPACITY + 8L);
        assertThatThrownBy(consumer::poll).isInstanceOf(ProtocolException.class);
        // a tail that is not a record's end
        region.set(ValueLayout.JAVA_LONG, 0, 12);
        assertThatThrownBy(consumer::poll).isInstanceOf(ProtocolException.class);
        // a record longer than what was written
        region.set(ValueLayout.JAVA_LONG, 0, 16);
        region.set(ValueLayout.JAVA_INT, Ring.HEADER, 100);
        assertThatThrownBy(consumer::poll).isInstanceOf(ProtocolException.class).hasMessageContaining("100 bytes");
        // a negative length that is no marker
        region.set(ValueLayout.JAVA_INT, Ring.HEADER, -7);
        assertThatThrownBy(consumer::poll).isInstanceOf(ProtocolException.class);
        // a head beyond what the producer wrote, or so far behind that the ring would hold more than it can
        region.set(ValueLayout.JAVA_LONG, 64, 8);
        assertThatThrownBy(() -> producer.offer(new byte[1], 0, 1)).isInstanceOf(ProtocolException.class);
    }
}
