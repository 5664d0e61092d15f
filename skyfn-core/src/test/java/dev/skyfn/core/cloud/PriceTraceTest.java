package dev.skyfn.core.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriceTraceTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              spot: {provider: aws, region: eu-west-1, pricing: {model: spot, gbSecond: 0.000004, vcpuSecond: 0.000005, request: 0.0000002,
                     preemptionNotice: 2m}, nodes: {spot-1: {}}}
              ondemand: {provider: gcp, region: europe-west1, pricing: {gbSecond: 0.000010}, nodes: {ondemand-1: {}}}
            users:
              eu: {spot: 10, ondemand: 10}
            latency:
              spot: {ondemand: 5}
            """.getBytes(StandardCharsets.UTF_8));

    private static final List<String> TRACE = List.of(
            "# at,cloud,gbSecond,vcpuSecond",
            "10m,spot,0.000006,0.000007",
            "",
            "1h,spot,0.000012,0.000014");

    @ParameterizedTest(name = "spot at {0}: {1} per GiB-s")
    @CsvSource({
            "0s, 0.000004",
            "9m, 0.000004",
            "10m, 0.000006",
            "59m, 0.000006",
            "1h, 0.000012",
            "5h, 0.000012",
    })
    void aCloudsPriceIsItsLastChangeSoFar(String at, double gbSecond) {
        PriceTrace trace = PriceTrace.read("prices.csv", TRACE, TOPOLOGY);
        Pricing p = trace.at(TOPOLOGY.cloud("spot").orElseThrow(), dev.skyfn.core.Durations.parse(at));
        assertThat(p.gbSecond()).isEqualTo(gbSecond);
        // what the trace does not move stays the topology's
        assertThat(p.request()).isEqualTo(0.0000002);
        assertThat(p.model()).isEqualTo(Pricing.Model.SPOT);
        assertThat(p.preemptionNotice()).isEqualTo(Duration.ofMinutes(2));
        assertThat(trace.at(TOPOLOGY.cloud("ondemand").orElseThrow(), Duration.ofHours(2)).gbSecond()).isEqualTo(0.000010);
        assertThat(trace.length()).isEqualTo(Duration.ofHours(1));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "10m,spot,0.1 | price trace p.csv line 1: expected at,cloud,gbSecond,vcpuSecond, found 3 field(s)",
            "soon,spot,0.1,0.1 | price trace p.csv line 1, field at:",
            "10m,moon,0.1,0.1 | price trace p.csv line 1, field cloud: no cloud 'moon' in the topology (its clouds: spot, ondemand)",
            "10m,spot,cheap,0.1 | price trace p.csv line 1, field gbSecond: 'cheap' is not a number",
            "10m,spot,0.1,-1 | price trace p.csv line 1, field vcpuSecond: -1 is out of range 0..1000.0",
    })
    void refusesABadLineNamingItAndItsField(String line, String message) {
        assertThatThrownBy(() -> PriceTrace.read("p.csv", List.of(line), TOPOLOGY)).isInstanceOf(SkyfnException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((SkyfnException) e).code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void refusesATraceOutOfTimeOrder() {
        assertThatThrownBy(() -> PriceTrace.read("p.csv", List.of("1h,spot,0.1,0.1", "10m,spot,0.2,0.2"), TOPOLOGY))
                .hasMessageContaining("price trace p.csv line 2, field at: 10m comes before 1h, the previous change of spot");
    }
}
