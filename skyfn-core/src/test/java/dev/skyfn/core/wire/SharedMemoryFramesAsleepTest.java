package dev.skyfn.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The shared-memory contract with readers that neither spin nor yield, as in a process confined
 * to one CPU: every wait for a frame is a sleep on the doorbell.
 */
class SharedMemoryFramesAsleepTest extends SharedMemoryFramesTest {

    @Override
    FrameChannel sending(int maxFrameBytes) throws IOException {
        return SharedMemoryFrames.open(client, file(), true, maxFrameBytes, SharedMemoryFrames.Idle.SLEEP);
    }

    @Override
    FrameChannel receiving(int maxFrameBytes) throws IOException {
        return SharedMemoryFrames.open(server, file(), false, maxFrameBytes, SharedMemoryFrames.Idle.SLEEP);
    }

    @Test
    void readersSpinAndYieldOnlyWithACpuToSpare() {
        assertThat(SharedMemoryFrames.Idle.forCpus(1)).isEqualTo(SharedMemoryFrames.Idle.SLEEP);
        assertThat(SharedMemoryFrames.Idle.forCpus(2)).isEqualTo(SharedMemoryFrames.Idle.DEFAULT);
        assertThat(SharedMemoryFrames.Idle.forCpus(64)).isEqualTo(SharedMemoryFrames.Idle.DEFAULT);
        assertThat(SharedMemoryFrames.Idle.SLEEP.spinNanos() + SharedMemoryFrames.Idle.SLEEP.yieldNanos()).isZero();
    }
}
