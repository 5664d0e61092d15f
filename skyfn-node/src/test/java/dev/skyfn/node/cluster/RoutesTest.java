package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.nodes.NodeReport;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutesTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {e1: {}, e2: {}}}
              us: {provider: gcp, region: us-east1, pricing: {model: on-demand}, nodes: {u1: {}}}
            users:
              eu: {eu: 10, us: 80}
              us: {eu: 80, us: 10}
            latency:
              eu: {us: 70}
            """.getBytes(StandardCharsets.UTF_8));
    private static final AppKey APP = new AppKey("t", "shop");

    /**
     * Nodes as {@code name:load[:dead][:other][:leaving]} — dead: its directory holds it for dead;
     * other: it serves another app; leaving: it has had its cloud's preemption notice. The gateway is e2.
     */
    @ParameterizedTest(name = "from {0}, nodes {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "eu | e1:0.1 e2:0.1 u1:0.1          | e2 e1 u1",
            "eu | e1:0.1 e2:0.5 u1:0.1          | e2 e1 u1",
            "us | e1:0.1 e2:0.1 u1:0.1          | u1 e2 e1",
            "eu | e1:0.1 e2:0.96 u1:0.1         | e1 u1 e2",
            "eu | e1:0.1:dead e2:0.1 u1:0.1     | e2 u1",
            "us | e1:0.1 e2:0.1:dead u1:0.1:dead | e2 e1",
            "eu | e1:0.1:other e2:0.1:other u1:0.1 | u1",
            "eu | e1:0.1:dead                   | ''",
            "eu | e1:0.1 e2:0.1:leaving u1:0.1  | e1 u1 e2",
            "eu | e1:0.1:leaving e2:0.96 u1:0.1 | u1 e2 e1",
            "eu | e1:0.1:leaving e2:0.1:other   | e1"})
    void liveNodesServingTheAppRankStayingFirstThenBySpareCapacityThenRoundTripThenThisNodeThenLoad(String region, String nodes, String expected) {
        List<NodeDirectory.Member> members = Arrays.stream(nodes.trim().split(" +")).map(RoutesTest::member).toList();

        List<String> ranked = Routes.rank("e2", region, APP, TOPOLOGY, members).stream().map(Routes.Candidate::node).toList();

        assertThat(String.join(" ", ranked)).isEqualTo(expected);
    }

    /**
     * The app's concurrency limit is 10; calls this gateway (e2) has in flight given as {@code
     * node=n}, a node's last report as {@code name:load:cN} (N calls in flight there).
     */
    @ParameterizedTest(name = "from {0}, nodes {1}, sent {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "eu | e1:0.1 e2:0.1 u1:0.1      | e2=3 e1=1   | e2 e1 u1",
            "eu | e1:0.1 e2:0.1 u1:0.1      | e2=9        | e2 e1 u1",
            "eu | e1:0.1 e2:0.1 u1:0.1      | e2=10       | e1 u1 e2",
            "eu | e1:0.1 e2:0.1:c10 u1:0.1  | ''          | e1 u1 e2",
            "eu | e1:0.1:c4 e2:0.1 u1:0.1   | e2=10 e1=2  | e1 u1 e2",
            "eu | e1:0.1 e2:0.1 u1:0.1      | e2=10 e1=10 | u1 e2 e1",
            "eu | e1:0.1 e2:0.1 u1:0.1      | e2=12 e1=10 u1=11 | e1 u1 e2",
            "us | e1:0.1 e2:0.1 u1:0.1:c10  | e2=2        | e2 e1 u1",
            "eu | e1:0.96 e2:0.1 u1:0.1     | e2=10       | u1 e2 e1"})
    void aGatewayFillsItsNearestReplicasToTheirLimitThenSpillsThenQueuesWhereTheQueueIsShortest(String region, String nodes, String sent,
                                                                                                String expected) {
        List<NodeDirectory.Member> members = Arrays.stream(nodes.trim().split(" +")).map(RoutesTest::member).toList();
        java.util.Map<String, Integer> outstanding = new java.util.HashMap<>();
        Arrays.stream(sent.trim().split(" +")).filter(x -> !x.isEmpty())
                .forEach(x -> outstanding.put(x.split("=")[0], Integer.parseInt(x.split("=")[1])));

        List<String> ranked = Routes.rank("e2", region, APP, TOPOLOGY, members, new Routes.Busy(10, n -> outstanding.getOrDefault(n, 0)))
                .stream().map(Routes.Candidate::node).toList();

        assertThat(String.join(" ", ranked)).isEqualTo(expected);
    }

    private static NodeDirectory.Member member(String spec) {
        String[] parts = spec.split(":");
        List<String> flags = List.of(parts).subList(2, parts.length);
        String node = parts[0];
        java.util.Map<String, Double> inFlight = flags.stream().filter(f -> f.startsWith("c"))
                .collect(java.util.stream.Collectors.toMap(f -> APP.toString(), f -> Double.parseDouble(f.substring(1))));
        var report = new NodeReport(node, TOPOLOGY.node(node).orElseThrow().cloud(), "http://" + node, 1024, Double.parseDouble(parts[1]),
                List.of((flags.contains("other") ? "t/other" : APP.toString()) + "@1"), inFlight, java.util.Map.of(),
                flags.contains("leaving") ? "2026-11-30T12:00:00Z" : null);
        return new NodeDirectory.Member(report, !flags.contains("dead"), 0);
    }
}
