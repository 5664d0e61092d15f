package dev.skyfn.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SharedMemoryFramesTest extends FrameChannelContract {

    /** Rings of 64 KiB: frames up to 8 KiB go through them, larger ones over the socket. */
    private static final int RING_BYTES = 64 << 10;

    Path file() throws IOException {
        Path file = dir.resolve("frames.shm");
        if (!Files.exists(file)) {
            FrameChannel.createSharedMemory(file, RING_BYTES);
        }
        return file;
    }

    @Override
    FrameChannel sending(int maxFrameBytes) throws IOException {
        return FrameChannel.overSharedMemory(client, file(), true, maxFrameBytes);
    }

    @Override
    FrameChannel receiving(int maxFrameBytes) throws IOException {
        return FrameChannel.overSharedMemory(server, file(), false, maxFrameBytes);
    }

    @Override
    void awaitIdle(FrameChannel receiver) {
        await().atMost(Duration.ofSeconds(10)).until(((SharedMemoryFrames) receiver)::readerAsleep);
    }

    @Test
    void theFileIsItsOwnersAloneAndSizedForTwoRings() throws IOException {
        Path file = file();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.size(file)).isEqualTo(2 * Ring.regionBytes(RING_BYTES));
        assertThatThrownBy(() -> FrameChannel.createSharedMemory(dir.resolve("odd.shm"), 3000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
    }

    @Test
    void refusesAFileThatIsNotTwoRings() throws IOException {
        Path notOne = dir.resolve("not-one.shm");
        Files.write(notOne, new byte[1000]);
        assertThatThrownBy(() -> FrameChannel.overSharedMemory(client, notOne, true, 1024))
                .isInstanceOf(IOException.class).hasMessageContaining("is not a shared-memory channel");
    }

    @Test
    void cutsOffAPeerThatCorruptsItsRing() throws Exception {
        var receiver = receiving(1024);
        // the node's ring is the file's first half: its tail set far beyond what the ring holds
        try (FileChannel raw = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            raw.write(ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(0, 1L << 40), 0);
        }
        assertThatThrownBy(() -> receiver.readLoop(m -> { })).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("ring corrupt");
    }

    @Test
    void aPeerThatCutsTheFileShortIsCutOffAndTheProcessCarriesOn() throws Exception {
        var sender = sending(1024);
        var receiver = receiving(1024);
        // what a hostile sandbox can do to the file it shares: the pages both ends map are gone
        try (FileChannel raw = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            raw.truncate(0);
        }
        assertThatThrownBy(() -> receiver.readLoop(m -> { })).isInstanceOf(ProtocolException.class).hasMessageContaining("cut short");
        assertThat(sender.send(new Message.Cancel(1))).isFalse();
        assertThat(sender.isOpen()).isFalse();
    }

    @Test
    void aSenderWhosePeerCorruptedItsHeadClosesTheChannel() throws Exception {
        var sender = sending(1024);
        assertThat(sender.send(new Message.Cancel(1))).isTrue();
        // the node's ring is the file's first half; its head, which the sandbox writes, set beyond anything written
        try (FileChannel raw = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            raw.write(ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(0, 1L << 40), 64);
        }
        assertThat(sender.send(new Message.Cancel(2))).isFalse();
        assertThat(sender.isOpen()).isFalse();
    }

    @Test
    void aFullRingHoldsItsSenderUntilTheReaderMakesRoom() throws Exception {
        var sender = sending(1024);
        var receiver = receiving(1024);
        int frames = 3 * RING_BYTES / 16; // three rings' worth of the smallest records
        var sent = new java.util.concurrent.CompletableFuture<Void>();
        Thread filling = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < frames; i++) {
                sender.send(new Message.Cancel(i));
            }
            sent.complete(null);
        });
        // parked between tries: the ring is full and nobody reads it
        await().atMost(Duration.ofSeconds(10)).until(() -> filling.getState() == Thread.State.TIMED_WAITING);
        assertThat(sent).as("the sender waits while nobody reads").isNotDone();
        var next = new java.util.concurrent.atomic.AtomicLong();
        var order = new java.util.concurrent.atomic.AtomicBoolean(true);
        reading(receiver, m -> order.compareAndSet(true, ((Message.Cancel) m).id() == next.getAndIncrement()));
        sent.get(20, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.get() == frames);
        assertThat(order).isTrue();
    }
}
