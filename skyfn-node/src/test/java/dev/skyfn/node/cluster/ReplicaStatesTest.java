package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.control.placement.Replica;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.nats.nodes.NodeReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicaStatesTest {

    private static final AppKey APP = new AppKey("acme", "shop");

    /** A node heard serving {@code apps} (space-separated), leaving or not. */
    private static NodeReport heard(String node, String apps, boolean leaving) {
        return new NodeReport(node, "c", "http://127.0.0.1:1", 1024, 0.1, apps.isBlank() ? List.of() : List.of(apps.split(" ")), Map.of(),
                Map.of(), leaving ? "2026-12-03T20:00:00Z" : null);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the node serves this app            | acme/shop@3                | false | true  | ready
            it serves another version           | acme/shop@2                | false | true  | ready
            it serves another app only          | acme/shopping@1 globex/shop@1 | false | true  | pending
            it serves nothing yet               | ''                         | false | true  | pending
            its cloud takes it back             | acme/shop@3                | true  | true  | draining
            the node is not heard               | acme/shop@3                | false | false | unreachable
            """)
    void eachReplicaIsInOneState(String why, String apps, boolean leaving, boolean alive, String state) {
        Map<String, NodeReport> nodes = alive ? Map.of("n1", heard("n1", apps, leaving)) : Map.of();
        Map<String, Integer> counts = ReplicaStates.count(APP, List.of(new Replica("c", "n1", 128)), nodes);
        assertThat(counts).as(why).containsEntry(state, 1).containsOnlyKeys(ReplicaStates.STATES);
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            none placed   | 0 | 0 | 0
            two of three  | 3 | 2 | 1
            """)
    void countsAddUpOverTheReplicasPlaced(String why, int placed, int ready, int unreachable) {
        List<Replica> replicas = java.util.stream.IntStream.range(0, placed).mapToObj(i -> new Replica("c", "n" + i, 128)).toList();
        Map<String, NodeReport> nodes = new java.util.HashMap<>();
        for (int i = 0; i < ready; i++) {
            nodes.put("n" + i, heard("n" + i, "acme/shop@1", false));
        }
        Map<String, Integer> counts = ReplicaStates.count(APP, replicas, nodes);
        assertThat(counts).as(why).containsEntry("ready", ready).containsEntry("unreachable", unreachable).containsEntry("pending", 0);
    }
}
