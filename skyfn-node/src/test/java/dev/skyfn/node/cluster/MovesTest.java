package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.control.placement.Placement;
import dev.skyfn.control.placement.Rebalance;
import dev.skyfn.nats.apps.AppRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MovesTest {

    /** The replicas in force when a move ends, the move (from → to), and the replicas kept. */
    @ParameterizedTest(name = "{0}, moving {1} -> {2}: {3}")
    @CsvSource(delimiter = '|', value = {
            // the move as planned: the old nodes go
            "o1 o2 s1 s2     | o1 o2 | s1 s2 | s1 s2",
            // a node both in the move's start and its end stays
            "e o1 s1         | e o1  | e s1  | e s1",
            // a replica the autoscaler added while the app moved stays
            "o1 o2 s1 s2 o3  | o1 o2 | s1 s2 | s1 s2 o3",
            // one the autoscaler took away meanwhile is not brought back
            "o1 s1           | o1 o2 | s1 s2 | s1",
    })
    void aMoveTakesAwayOnlyTheNodesItLeaves(String inForce, String from, String to, String kept) {
        var move = new Rebalance.Move(nodes(from), new Placement(List.of(new Placement.Assignment("c", nodes(to), 128, Map.of())),
                List.of(), Optional.empty()), 2, 1, Rebalance.Reason.PRICE, "cheaper");
        List<AppRecord.Replica> replicas = nodes(inForce).stream().map(n -> new AppRecord.Replica("c", n, 128)).toList();
        assertThat(Moves.afterMove(replicas, move).stream().map(AppRecord.Replica::node).toList()).isEqualTo(nodes(kept));
    }

    /**
     * What the autoscaler has placed, given the replicas it wants, those it counts and those a move under way drops
     * once done: a move nearer the callers to a dearer node, shrunk mid-way to the cheapest node, would be undone.
     */
    @ParameterizedTest(name = "wants {0}, counts {1}, a move drops {2}: {3}")
    @CsvSource({
            // no move: as many as it wants
            "3, 1, 0, 3",
            "1, 3, 0, 1",
            "0, 1, 0, 0",
            // growing during a move: beside the replicas the move drops
            "3, 1, 1, 4",
            "4, 2, 2, 6",
            // shrinking during a move: not now (-1), once it is done
            "1, 2, 1, -1",
            "0, 1, 1, -1",
    })
    void theAutoscalerGrowsBesideAMoveAndShrinksAfterIt(int wanted, int ready, int dropping, int placed) {
        assertThat(FleetAutoscaler.placedReplicas(wanted, ready, dropping).orElse(-1)).isEqualTo(placed);
    }

    private static List<String> nodes(String names) {
        return Arrays.asList(names.trim().split(" +"));
    }
}
