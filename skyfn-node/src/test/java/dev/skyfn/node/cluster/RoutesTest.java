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
     * Nodes as {@code name:load[:dead][:other]} — dead: its directory holds it for dead; other: it
     * serves another app. The gateway is e2.
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
            "eu | e1:0.1:dead                   | ''"})
    void liveNodesServingTheAppRankBySpareCapacityThenRoundTripThenThisNodeThenLoad(String region, String nodes, String expected) {
        List<NodeDirectory.Member> members = Arrays.stream(nodes.trim().split(" +")).map(RoutesTest::member).toList();

        List<String> ranked = Routes.rank("e2", region, APP, TOPOLOGY, members).stream().map(Routes.Candidate::node).toList();

        assertThat(String.join(" ", ranked)).isEqualTo(expected);
    }

    private static NodeDirectory.Member member(String spec) {
        String[] parts = spec.split(":");
        List<String> flags = List.of(parts).subList(2, parts.length);
        String node = parts[0];
        var report = new NodeReport(node, TOPOLOGY.node(node).orElseThrow().cloud(), "http://" + node, 1024, Double.parseDouble(parts[1]),
                List.of((flags.contains("other") ? "t/other" : APP.toString()) + "@1"));
        return new NodeDirectory.Member(report, !flags.contains("dead"), 0);
    }
}
