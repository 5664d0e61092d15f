package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A call's CPU time is its own thread's on the carriers it ran on: not its sleeps, not other threads' work beside it. */
class CallCpuTest {

    private static final long TURNS = 30_000_000;
    /** The CPU time (ns) the spin takes on a platform thread, where the JDK measures it itself. */
    private static long spinNanos;

    @BeforeAll
    static void measureTheSpinOnAPlatformThread() throws InterruptedException {
        var clock = ManagementFactory.getThreadMXBean();
        var took = new AtomicLong();
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 3; i++) {
                spin(TURNS); // compiled before it is measured
            }
            long before = clock.getCurrentThreadCpuTime();
            spin(TURNS);
            took.set(clock.getCurrentThreadCpuTime() - before);
        });
        t.join();
        spinNanos = took.get();
    }

    @Test
    void theJdkLetsTheSandboxMeasure() {
        assertThat(CallCpu.measured()).as("java.lang opened to the sandbox, as the node starts it").isTrue();
    }

    @Test
    void aCallThatWorksIsChargedItsWorkAcrossTheRunsItsSleepSplitsItInto() throws InterruptedException {
        long cpu = metered(() -> {
            spin(TURNS);
            sleep(100);
            spin(TURNS);
        });
        assertThat(cpu).as("two spins of %d ns each", spinNanos).isBetween(spinNanos, 4 * spinNanos + 20_000_000);
    }

    @Test
    void aCallThatSleepsWhileOthersWorkBesideItIsChargedAlmostNothing() throws InterruptedException {
        var stop = new AtomicBoolean();
        List<Thread> busy = new ArrayList<>();
        // one carrier left free: virtual threads that yield in a loop on every carrier starve a woken one, metered or not
        for (int i = 0; i < Math.max(1, Runtime.getRuntime().availableProcessors() - 1); i++) {
            busy.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    spin(100_000);
                    Thread.yield(); // off its carrier and back, on any carrier the sleeper may wake on
                }
            }));
        }
        try {
            long cpu = metered(() -> sleep(300));
            assertThat(cpu).as("300 ms asleep, the carriers busy with other threads").isBetween(0L, 20_000_000L);
        } finally {
            stop.set(true);
            for (Thread t : busy) {
                t.join();
            }
        }
    }

    private static long metered(Runnable call) throws InterruptedException {
        CallCpu cpu = CallCpu.forCall();
        var read = new AtomicLong(-1);
        Thread t = CallCpu.unstarted(cpu, () -> {
            call.run();
            read.set(cpu.read());
        });
        assertThat(t.isVirtual()).isTrue();
        t.start();
        t.join();
        return read.get();
    }

    private static volatile long sink;

    private static void spin(long turns) {
        long x = 88_172_645_463_325_252L;
        for (long i = 0; i < turns; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        sink = x;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
