package dev.skyfn.bench;

import dev.skyfn.control.capacity.CapacityPlanner;
import dev.skyfn.control.placement.Callers;
import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.control.placement.Placement;
import dev.skyfn.control.placement.Rebalance;
import dev.skyfn.control.placement.Scheduler;
import dev.skyfn.control.scaling.Autoscaler;
import dev.skyfn.control.scaling.ConcurrencyWindow;
import dev.skyfn.control.scaling.ScalingDecision;
import dev.skyfn.control.scaling.ScalingState;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.manifest.PlacementSpec;
import dev.skyfn.core.manifest.ScalingSpec;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.nodes.NodeReport;
import dev.skyfn.node.cluster.Routes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one decision costs: placing an app on the example topology's four clouds and five nodes
 * (the scheduler, at every deployment and node loss), ranking the nodes for one call (the router,
 * on every call that arrives at a gateway), and what the fleet's control loop decides once a
 * second: an app's replicas (the autoscaler), whether it should move for price, and the capacity
 * to ask the clouds for.
 *
 * <p>Run: {@code bench/run jmh DecisionBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class DecisionBench {

    private Topology topology;
    private PlacementSpec spec;
    private List<NodeStatus> status;
    private List<NodeDirectory.Member> members;
    private final AppKey app = new AppKey("acme", "shop");
    private final Instant start = Instant.parse("2026-11-30T00:00:00Z");
    private final ScalingSpec scaling = new ScalingSpec(10, 0, 20, java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(30),
            java.time.Duration.ZERO);
    private final ConcurrencyWindow window = new ConcurrencyWindow(scaling.window());
    private final ScalingState scalingState = ScalingState.start(start);
    private long tick;
    private List<CapacityPlanner.Shortfall> shortfalls;
    private List<CapacityPlanner.CloudRoom> rooms;

    @Setup
    public void read() throws IOException {
        Path file = Path.of(System.getProperty("skyfn.root", "."), "examples/topology/four-clouds.yaml");
        topology = TopologyReader.read(Files.readAllBytes(file));
        spec = ManifestReader.read("""
                app: shop
                functions: {order: {handler: shop.Order}}
                placement:
                  affinity:
                    - {name: own, labels: {tier: private}}
                    - {name: burst, labels: {tier: public}}
                  require: {maxLatency: {from: eu, ms: 100}}
                  spread: {minClouds: 1, maxClouds: 2}
                  replicas: 3
                """.getBytes(StandardCharsets.UTF_8)).placement();
        status = topology.nodes().stream().map(n -> new NodeStatus(n.name(), n.cloud(), true, n.memoryMb() / 2, 0.3)).toList();
        for (int s = 0; s < 60; s++) {
            window.record(start.plusSeconds(s - 60), 30);
        }
        List<List<String>> groups = Scheduler.eligible(spec, 256, topology);
        shortfalls = java.util.stream.IntStream.range(0, 10).mapToObj(i -> new CapacityPlanner.Shortfall("acme/app" + i, "acme/app" + i, 2, groups, 256)).toList();
        rooms = topology.clouds().stream().map(c -> new CapacityPlanner.CloudRoom(c.name(), c.startup(),
                c.pricing().perNodeHour(2, 4096), topology.elasticNodes(c.name()).size(), 0, false, 4096)).toList();
        members = topology.nodes().stream().map(n -> new NodeDirectory.Member(new NodeReport(n.name(), n.cloud(), "http://x",
                n.memoryMb(), 0.2, List.of("acme/other@1", "acme/shop@3")), true, 0)).toList();
    }

    @Benchmark
    public Placement placeAnApp() {
        return Scheduler.place(spec, 256, topology, status);
    }

    @Benchmark
    public List<Routes.Candidate> routeACall() {
        return Routes.rank("spot-eu-1", "us", app, topology, members);
    }

    /** The autoscaler's decision for one app at one tick: its two windows averaged, then the KPA decider. */
    @Benchmark
    public ScalingDecision scaleAnApp() {
        Instant now = start.plusSeconds(++tick);
        window.record(now, 40 + (tick % 7));
        return Autoscaler.decide(scaling, 3, window.average(scaling.window(), now), window.average(scaling.panicWindow(), now),
                scalingState, now);
    }

    /** Whether an app should move for price, at each tick: placing it afresh and comparing costs. */
    @Benchmark
    public Optional<Rebalance.Move> priceAnApp() {
        return Rebalance.decide(spec, 256, topology, status, List.of("private-1", "spot-eu-1", "spot-eu-2"), Callers.NONE,
                Rebalance.HYSTERESIS);
    }

    /** The capacity plan for ten apps short of replicas, at each tick. */
    @Benchmark
    public CapacityPlanner.Plan planCapacity() {
        return CapacityPlanner.plan(shortfalls, rooms, List.of(), java.time.Duration.ofSeconds(60), start);
    }
}
