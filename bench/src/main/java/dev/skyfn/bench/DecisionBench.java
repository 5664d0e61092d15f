package dev.skyfn.bench;

import dev.skyfn.control.placement.NodeStatus;
import dev.skyfn.control.placement.Placement;
import dev.skyfn.control.placement.Scheduler;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.manifest.PlacementSpec;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.nodes.NodeReport;
import dev.skyfn.node.cluster.Routes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * (the scheduler, at every deployment and node loss), and ranking the nodes for one call (the
 * router, on every call that arrives at a gateway).
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
}
