package dev.skyfn.control.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which clouds fail their health checks, one case per row: each node as cloud-n (alive) or cloud-n! (dead). */
class CloudHealthTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "a-1 a-2 a-3 b-1 | -",
            // one of three: that node's failure, not its cloud's
            "a-1! a-2 a-3 | -",
            // two of three: the cloud fails, its third node with it
            "a-1! a-2! a-3 b-1 | a: 2 of its 3 nodes missed their heartbeats",
            // half is not more than half
            "a-1! a-2 | -",
            "a-1! a-2! | a: 2 of its 2 nodes missed their heartbeats",
            // a cloud of one node is judged by nothing but that node
            "b-1! a-1 a-2 | -",
            "a-1! a-2! a-3 b-1! b-2! | a: 2 of its 3 nodes missed their heartbeats; b: 2 of its 2 nodes missed their heartbeats",
    })
    void aCloudFailsWhenMoreThanHalfOfItsNodesAreDead(String nodes, String expected) {
        List<NodeStatus> heard = new ArrayList<>();
        for (String n : nodes.split(" ")) {
            String name = n.replace("!", "");
            heard.add(new NodeStatus(name, name.substring(0, name.indexOf('-')), !n.endsWith("!"), 1024, 0));
        }
        List<String> failing = new ArrayList<>();
        CloudHealth.failing(heard).forEach((cloud, why) -> failing.add(cloud + ": " + why));
        assertThat(failing.isEmpty() ? "-" : String.join("; ", failing)).isEqualTo(expected);
    }
}
