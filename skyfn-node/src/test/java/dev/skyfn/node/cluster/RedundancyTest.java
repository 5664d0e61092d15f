package dev.skyfn.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.invoke.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RedundancyTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              aws-eu: {provider: aws, region: eu-west-1, pricing: {model: on-demand}, nodes: {a1: {}, a2: {}}}
              aws-us: {provider: aws, region: us-east-1, pricing: {model: on-demand}, nodes: {a3: {}}}
              gcp-us: {provider: gcp, region: us-east1, pricing: {model: on-demand}, nodes: {g1: {}}}
              own: {provider: private, region: eu-central, pricing: {model: owned}, nodes: {p1: {}}}
            users:
              eu: {aws-eu: 10, aws-us: 80, gcp-us: 85, own: 20}
            latency:
              aws-eu: {aws-us: 70, gcp-us: 75, own: 10}
              aws-us: {gcp-us: 5, own: 80}
              gcp-us: {own: 85}
            """.getBytes(StandardCharsets.UTF_8));

    @ParameterizedTest(name = "ranked {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "a1 a2 a3 g1 p1 | a1 g1",
            "a1 p1 g1       | a1 p1",
            "g1 a1          | g1 a1",
            "a1 a2 a3       | -",
            "a1             | -",
            "''             | -"})
    void theSecondNodeIsTheBestOfAnotherProvider(String ranked, String expected) {
        List<Routes.Candidate> candidates = Arrays.stream(ranked.trim().split(" +")).filter(n -> !n.isEmpty())
                .map(n -> new Routes.Candidate(n, TOPOLOGY.node(n).orElseThrow().cloud(), 0, 0, false, 0, false, false)).toList();
        Optional<Redundancy.Pair> pair = Redundancy.choose(candidates, TOPOLOGY);
        assertThat(pair.map(p -> p.first().node() + " " + p.second().node()).orElse("-")).isEqualTo(expected.trim());
    }

    @Test
    void answersAgreeWhenTheirBytesAndTypesDoOrWhenTheyFailAlike() {
        Outcome x = ok("application/json", "{\"total\":42}");
        assertThat(Redundancy.agree(x, ok("application/json", "{\"total\":42}").on("elsewhere"))).isTrue();
        assertThat(Redundancy.agree(x, ok("application/json", "{\"total\":43}"))).as("one byte off").isFalse();
        assertThat(Redundancy.agree(x, ok("text/plain", "{\"total\":42}"))).as("another content type").isFalse();
        Outcome failed = failed(ErrorCode.FUNCTION_ERROR, "java.lang.ArithmeticException", "/ by zero on node a1");
        assertThat(Redundancy.agree(failed, failed(ErrorCode.FUNCTION_ERROR, "java.lang.ArithmeticException", "/ by zero on node g1")))
                .as("messages may name the node").isTrue();
        assertThat(Redundancy.agree(failed, failed(ErrorCode.FUNCTION_TIMEOUT, "", "timed out"))).isFalse();
        assertThat(Redundancy.agree(x, failed)).isFalse();
    }

    private static Outcome ok(String type, String body) {
        return new Outcome("i-1", new Payload.Body(type, body.getBytes(StandardCharsets.UTF_8)), null, false, 1_000);
    }

    private static Outcome failed(ErrorCode code, String type, String message) {
        return new Outcome("i-1", null, new Outcome.Error(code, message, type), false, 1_000);
    }
}
