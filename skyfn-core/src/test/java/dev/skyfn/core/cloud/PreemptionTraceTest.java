package dev.skyfn.core.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreemptionTraceTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              spot: {provider: aws, region: eu-west-1, pricing: {model: spot, gbSecond: 0.000004, preemptionNotice: 2m},
                     maxNodes: 3, nodes: {spot-1: {}}}
              ondemand: {provider: gcp, region: europe-west1, pricing: {gbSecond: 0.000010}, nodes: {ondemand-1: {}}}
            users:
              eu: {spot: 10, ondemand: 10}
            latency:
              spot: {ondemand: 5}
            """.getBytes(StandardCharsets.UTF_8));

    @Test
    void readsEachPreemptionWithTheCloudsNoticeUnlessTheLineGivesOne() {
        PreemptionTrace trace = PreemptionTrace.read("t.csv", List.of(
                "# at,cloud,node,notice",
                "30s,spot",
                "",
                "2m,spot,spot-1",
                "2m,spot,spot-3,0s",
                "1h,spot,,30s"), TOPOLOGY);
        assertThat(trace.preemptions()).containsExactly(
                new PreemptionTrace.Preemption(Duration.ofSeconds(30), "spot", Optional.empty(), Duration.ofMinutes(2)),
                new PreemptionTrace.Preemption(Duration.ofMinutes(2), "spot", Optional.of("spot-1"), Duration.ofMinutes(2)),
                new PreemptionTrace.Preemption(Duration.ofMinutes(2), "spot", Optional.of("spot-3"), Duration.ZERO),
                new PreemptionTrace.Preemption(Duration.ofHours(1), "spot", Optional.empty(), Duration.ofSeconds(30)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "too few fields | 30s | t.csv line 1: expected at,cloud[,node[,notice]], found 1 field(s)",
            "too many fields | 30s,spot,spot-1,1m,x | t.csv line 1: expected at,cloud[,node[,notice]], found 5 field(s)",
            "a time that is not a duration | soon,spot | t.csv line 1, field at:",
            "a cloud not in the topology | 30s,moon | t.csv line 1, field cloud: no cloud 'moon' in the topology (its clouds: spot, ondemand)",
            "capacity that is never taken back | 30s,ondemand | t.csv line 1, field cloud: 'ondemand' is not a spot cloud",
            "a node of another cloud | 30s,spot,ondemand-1 | t.csv line 1, field node: no node 'ondemand-1' in cloud spot",
            "a node beyond the cloud's maxNodes | 30s,spot,spot-4 | t.csv line 1, field node: no node 'spot-4' in cloud spot",
            "a notice no cloud gives | 30s,spot,,2h | t.csv line 1, field notice: 2h is longer than any cloud warns",
    })
    void mistakesAreNamedByFileLineAndField(String name, String line, String message) {
        assertThatThrownBy(() -> PreemptionTrace.read("t.csv", List.of(line), TOPOLOGY))
                .isInstanceOfSatisfying(SkyfnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageStartingWith("preemption trace " + message);
    }

    @Test
    void aTraceIsInTimeOrder() {
        assertThatThrownBy(() -> PreemptionTrace.read("t.csv", List.of("2m,spot", "1m,spot"), TOPOLOGY))
                .hasMessage("preemption trace t.csv line 2, field at: 1m comes before 2m on the line before: a trace is in time order");
    }
}
