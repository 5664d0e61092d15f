package dev.skyfn.node.metering;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.PriceFeed;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.Spent;
import dev.skyfn.node.NodeScheduler;
import dev.skyfn.node.invoke.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * What metering costs a node per call, all of it on one CPU (ns a call): the node's meter told of
 * a warm no-op call as the invoker tells it, the record written to a fresh ledger each iteration,
 * and every {@value #HASHED_EVERY} calls the ledger's new records hashed into its tree, as the
 * node's scheduler does every 250 ms. Signing heads and the journal's writer are
 * left out: they run once an interval, not per call. Of what metering adds to a call, this is the
 * node's share; the sandbox's, reading the call's CPU time, is {@code CallCpuBench}.
 *
 * <p>Run: {@code taskset -c 0 bench/run jmh MeterBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class MeterBench {

    static final int HASHED_EVERY = 4096;
    private static final AppKey APP = new AppKey("acme", "hello");
    private static final FunctionSpec NOOP = ManifestReader.read("app: hello\nfunctions: {noop: {handler: a.Noop, memory: 128}}\n"
            .getBytes(StandardCharsets.UTF_8)).functions().get("noop");

    private final Outcome[] outcomes = new Outcome[HASHED_EVERY];
    private final Payload input = Payload.json("\"x\"".getBytes(StandardCharsets.UTF_8));
    private int next;
    private Path dir;
    private NodeScheduler scheduler;
    private Metering metering;

    @Setup(Level.Trial)
    public void calls() {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new Outcome(java.util.UUID.randomUUID().toString(), input, null, false, 180_000, null, new Spent(21_000, -1));
        }
    }

    @Setup(Level.Iteration)
    public void meter() throws IOException {
        dir = Files.createTempDirectory("skyfn-bench-meter");
        scheduler = new NodeScheduler();
        Cloud cloud = Topology.local(1, 0).clouds().getFirst();
        metering = Metering.open(dir, "node-a1b2c3", cloud, PriceFeed.FIXED, Duration.ofHours(1), scheduler, Clock.systemUTC());
    }

    @TearDown(Level.Iteration)
    public void closed() throws IOException {
        metering.close();
        scheduler.close();
        dev.skyfn.control.AtomicFiles.deleteTree(dir);
    }

    @Benchmark
    public void invoked() {
        int i = next++ & (HASHED_EVERY - 1);
        metering.invoked(APP, NOOP, input, outcomes[i], 150_000, false);
        if (i == HASHED_EVERY - 1) {
            metering.ledger().hash();
        }
    }
}
