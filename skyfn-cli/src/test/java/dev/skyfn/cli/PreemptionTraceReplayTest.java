package dev.skyfn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemptions replayed from a trace by the emulated clouds ({@code skyfn dev --topology … --preemptions
 * FILE}): the spot cloud takes back, at the trace's time and after its notice, the node that has run
 * longest when the line names none, and a trace with a mistake is refused before anything starts.
 */
@Tag("slow")
class PreemptionTraceReplayTest {

    private static final String TOPOLOGY = """
            clouds:
              spot:
                provider: aws
                region: eu-west-1
                pricing: {model: spot, gbSecond: 0.0000050, preemptionNotice: 2m}
                nodes:
                  spot-1: {cpus: 2, memory: 2048}
                  spot-2: {cpus: 2, memory: 2048}
              own:
                provider: private
                region: home
                pricing: {model: owned}
                nodes:
                  own-1: {cpus: 2, memory: 2048}
            users:
              eu: {spot: 10, own: 10}
            latency:
              spot: {own: 2}
            """;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS, factory = UnderTarget.class)
    Path dir;

    @Test
    void theSpotCloudTakesBackItsLongestRunningNodeAtTheTracesTime() throws IOException {
        Path topology = Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY);
        Path trace = Files.writeString(dir.resolve("preemptions.csv"), "# at,cloud,node,notice\n0s,spot,,5s\n");
        var emulation = new EmulatedFleet.Emulation(1, Optional.empty(), Optional.empty(), 0, Optional.of(trace));
        try (EmulatedFleet fleet = EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, true, java.util.Map.of(), emulation,
                "--no-aot-cache", "--dead-after", "5s")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.nodes().stream().noneMatch(m -> m.node().equals("spot-1")));
            assertThat(fleet.nodes()).extracting(EmulatedFleet.Member::node).as("only the node the trace's line took")
                    .containsExactlyInAnyOrder("spot-2", "own-1");
        }
    }

    @Test
    void aTraceWithAMistakeIsRefusedBeforeAnythingStarts() throws IOException {
        Path topology = Files.writeString(dir.resolve("topology.yaml"), TOPOLOGY);
        Path trace = Files.writeString(dir.resolve("bad.csv"), "30s,own\n");
        var emulation = new EmulatedFleet.Emulation(1, Optional.empty(), Optional.empty(), 0, Optional.of(trace));
        assertThatThrownBy(() -> EmulatedFleet.start(topology, dir.resolve("fleet"), 0, 1, true, java.util.Map.of(), emulation))
                .isInstanceOf(CliException.class)
                .hasMessage("preemption trace bad.csv line 1, field cloud: 'own' is not a spot cloud: only spot capacity is taken back");
        assertThat(dir.resolve("fleet")).as("nothing started").doesNotExist();
    }
}
