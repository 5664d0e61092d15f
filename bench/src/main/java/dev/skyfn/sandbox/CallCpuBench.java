package dev.skyfn.sandbox;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metering a call's CPU time costs a sandbox: no-op calls' virtual threads, {@value #CALLS}
 * at a time as a sandbox under load has them, started and run to their end, each scheduled by
 * {@link CallCpu} and its CPU time read as it ends ({@code metered}), beside plain virtual threads
 * ({@code plain}); the time is per call. And what one read of the carrier's CPU clock costs
 * ({@code cpuClock}), the system call {@link CallCpu} makes at most once a millisecond per busy
 * carrier. In this package because {@link CallCpu} is the sandbox's own. Run pinned to one CPU,
 * as a sandbox beside its node is in the HTTP benches, the threads starting calls and running them
 * share it.
 *
 * <p>Run: {@code taskset -c 0 bench/run jmh CallCpuBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
@OperationsPerInvocation(CallCpuBench.CALLS)
@State(Scope.Benchmark)
public class CallCpuBench {

    static final int CALLS = 64;

    private static final java.lang.management.ThreadMXBean CLOCKS = java.lang.management.ManagementFactory.getThreadMXBean();

    @Benchmark
    public long plain() throws InterruptedException {
        return run(false);
    }

    @Benchmark
    public long metered() throws InterruptedException {
        if (!CallCpu.measured()) {
            throw new IllegalStateException("java.lang is not opened to the benchmark: nothing would be measured");
        }
        return run(true);
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public long cpuClock() {
        return CLOCKS.getCurrentThreadCpuTime();
    }

    private static long run(boolean metered) throws InterruptedException {
        var done = new java.util.concurrent.CountDownLatch(CALLS);
        var spent = new java.util.concurrent.atomic.LongAdder();
        for (int i = 0; i < CALLS; i++) {
            CallCpu cpu = metered ? CallCpu.forCall() : null;
            CallCpu.unstarted(cpu, () -> {
                spent.add(cpu == null ? 0 : cpu.read());
                done.countDown();
            }).start();
        }
        done.await();
        return spent.sum();
    }
}
