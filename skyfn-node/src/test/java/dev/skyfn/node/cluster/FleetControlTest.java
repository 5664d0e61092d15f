package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.nats.nodes.NodeDirectory;
import dev.skyfn.nats.nodes.NodeReport;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FleetControlTest {

    /**
     * Members as {@code name[:calls][:>node=n...][:dead]} — calls: the calls in flight it reports;
     * {@code >b=2}: its gateway awaits two answers from b. Which nodes have calls to finish.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "a b c                 | ''",
            "a:2 b c               | a",
            "a:>b=1 b c            | b",
            "a:>b=0 b c            | ''",
            "a:1:>c=3 b c:dead     | a c",
            "a:>b=2:dead b c       | ''",
            "a:>x=1 b              | x",
    })
    void aNodeOthersAwaitHasCallsToFinishWhateverItReportsItself(String members, String expected) {
        Set<String> want = expected.isBlank() ? Set.of() : Set.of(expected.split(" "));
        assertThat(FleetControl.working(Arrays.stream(members.split(" ")).map(FleetControlTest::member).toList())).isEqualTo(want);
    }

    /** The same notation, {@code :leaving} for a node that has had its cloud's preemption notice. Which nodes are leaving. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "a b c                  | ''",
            "a:leaving b c          | a",
            "a:leaving b:leaving c  | a b",
            "a:leaving:dead b       | ''",
    })
    void aLiveNodeWithAPreemptionNoticeIsLeaving(String members, String expected) {
        Set<String> want = expected.isBlank() ? Set.of() : Set.of(expected.split(" "));
        assertThat(FleetControl.leaving(Arrays.stream(members.split(" ")).map(FleetControlTest::member).toList())).isEqualTo(want);
    }

    /** The same notation; {@code departed} those that said goodbye while leaving. Whose replicas count for none. */
    @ParameterizedTest(name = "{0}, departed {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "a b c                  | ''  | ''",
            "a:leaving b c          | ''  | a",
            "a:dead b c             | ''  | a",
            "a:leaving:dead b       | ''  | a",
            "a b                    | x   | x",
            "a:dead b:leaving c     | x y | a b x y",
    })
    void aReplicaOnANodeLeavingDeadOrDepartedIsMissing(String members, String departed, String expected) {
        Set<String> want = expected.isBlank() ? Set.of() : Set.of(expected.split(" "));
        List<NodeDirectory.Member> all = Arrays.stream(members.split(" ")).map(FleetControlTest::member).toList();
        Set<String> gone = departed.isBlank() ? Set.of() : Set.of(departed.split(" "));
        assertThat(FleetControl.gone(all, FleetControl.leaving(all), gone)).isEqualTo(want);
    }

    private static NodeDirectory.Member member(String spec) {
        List<String> parts = List.of(spec.split(":"));
        Map<String, Double> concurrency = new HashMap<>();
        Map<String, Integer> awaiting = new HashMap<>();
        boolean alive = true;
        String leavingAt = null;
        for (String p : parts.subList(1, parts.size())) {
            if (p.equals("dead")) {
                alive = false;
            } else if (p.equals("leaving")) {
                leavingAt = "2026-11-30T12:00:00Z";
            } else if (p.startsWith(">")) {
                String[] kv = p.substring(1).split("=");
                awaiting.put(kv[0], Integer.parseInt(kv[1]));
            } else {
                concurrency.put("t/app", Double.parseDouble(p));
            }
        }
        var report = new NodeReport(parts.getFirst(), "c", "http://127.0.0.1:1", 1024, 0.1, List.of("t/app@1"), concurrency, awaiting,
                leavingAt);
        return new NodeDirectory.Member(report, alive, 0);
    }
}
