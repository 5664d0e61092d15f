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

    @Test
    void aCallBlockedOnItsCarrierIsChargedTheCarriersCpuNotTheWait() throws Exception {
        // opening a FIFO blocks in the kernel with the virtual thread pinned to its carrier: a long run that used no CPU
        java.nio.file.Path fifo = java.nio.file.Files.createTempDirectory("callcpu").resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Thread writer = Thread.ofPlatform().start(() -> {
            sleep(300);
            try (var out = new java.io.FileOutputStream(fifo.toFile())) {
                out.write(1);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long cpu = metered(() -> {
            try (var in = new java.io.FileInputStream(fifo.toFile())) {
                in.read();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.join();
        assertThat(cpu).as("300 ms blocked in open(2) on its carrier").isBetween(0L, 20_000_000L);
    }

    /** Each row: a run's length and end (ns), the carrier's CPU clock if read, and the charge expected; one carrier's runs in turn. */
    @Test
    void aCarrierChargesShortRunsTheirLengthAndLongOnesFromItsCpuClock() {
        var clock = new CallCpu.CarrierClock(1_000_000, 0);
        long[][] runs = {
                // length, ends at, CPU clock then, charged
                {8_000, 10_000, -1, 8_000},                 // short, read 10 µs ago: its length, no read
                {12_000, 30_000, -1, 12_000},               // short again
                {400_000, 500_000, 1_000_000 + 20_000 + 300_000, 300_000}, // long, preempted: the CPU it used, not 400 µs
                {5_000, 510_000, -1, 5_000},
                {60_000, 600_000, 1_320_000 + 5_000 + 90_000, 60_000},     // long: never more than its length
                {7_000, 1_700_000, 1_415_000 + 6_000, 6_000},             // short, but 1.1 ms since the last read: read
                {3_000, 1_710_000, -1, 3_000},
                {70_000, 1_800_000, 1_421_000 + 1_000, 0},                // the clock says less than already charged: 0
        };
        for (long[] run : runs) {
            long cpu = run[2];
            long charged = clock.charge(run[0], run[1], () -> {
                assertThat(cpu).as("a run of %d ns ending at %d read the clock", run[0], run[1]).isNotNegative();
                return cpu;
            });
            assertThat(charged).as("a run of %d ns ending at %d", run[0], run[1]).isEqualTo(run[3]);
        }
    }

    @Test
    void whatACarrierDidBeforeItsLastMillisecondIsNotChargedToTheNextRun() {
        var clock = new CallCpu.CarrierClock(1_000_000, 0);
        assertThat(clock.charge(10_000, 10_000, () -> {
            throw new AssertionError("a short run right after a read reads no clock");
        })).isEqualTo(10_000);
        clock.begin(500_000, () -> {
            throw new AssertionError("500 µs after the last read: no clock read before the run");
        });
        // other threads used 295 µs of the carrier in those 500 µs: within the millisecond, charged, never beyond the run's length
        assertThat(clock.charge(200_000, 700_000, () -> 1_305_000)).as("a long run 500 µs after a read").isEqualTo(200_000);
        // 1.3 ms later, other threads having used 295 µs of it: the clock is read before the run, and none of it is charged
        clock.begin(2_000_000, () -> 1_600_000);
        assertThat(clock.charge(200_000, 2_200_000, () -> 1_605_000)).as("a run blocked 200 µs on its carrier, 5 µs of CPU")
                .isEqualTo(5_000);
    }

    @Test
    void aCallThatYieldsIsChargedEveryRunWhicheverWayTheJdkResumesIt() throws InterruptedException {
        // after Thread.yield the JDK hands the thread straight to a carrier's pool, past any scheduler of the thread's own
        long cpu = metered(() -> {
            for (int i = 0; i < 10; i++) {
                spin(TURNS / 10);
                Thread.yield();
            }
        });
        assertThat(cpu).as("ten spins of %d ns in all", spinNanos).isBetween(spinNanos / 2, 4 * spinNanos + 20_000_000);
    }

    @Test
    void aCarrierWhoseClockCannotBeReadChargesUnknown() {
        var clock = new CallCpu.CarrierClock(0, 0);
        assertThat(clock.charge(100_000, 200_000, () -> -1)).isEqualTo(-1);
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
