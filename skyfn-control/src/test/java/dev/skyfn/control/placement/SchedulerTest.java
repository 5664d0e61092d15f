package dev.skyfn.control.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.ManifestReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The scheduler on the example topology (spot-eu with 2 nodes, ondemand-us with a GPU, a trusted
 * private cloud and a trusted edge site with 1 GiB, one node each), one case per row: the app's
 * placement, what differs in the nodes' reports, and the replicas per cloud expected, or "!" and
 * the problem reported.
 */
class SchedulerTest {

    static final Topology TOPOLOGY = topology();

    static Stream<Arguments> cases() {
        return Stream.of(
                row("nothing asked: one replica, on the cheapest and closest cloud", "", "", "edge-paris:1"),
                row("required trust keeps untrusted clouds out", "{require: {trust: trusted}, replicas: 2, spread: {minClouds: 2}}", "",
                        "private:1 edge-paris:1"),
                row("required hardware", "{require: {hardware: gpu}}", "", "ondemand-us:1"),
                row("latency from a user region", "{require: {maxLatency: {from: us, ms: 20}}}", "", "ondemand-us:1"),
                row("price ceiling", "{require: {maxPrice: 0.000004}, replicas: 2, spread: {minClouds: 2}}", "",
                        "private:1 edge-paris:1"),
                row("private first, bursting to public when it is full",
                        "{affinity: [{name: own, labels: {tier: private}}, {name: burst, labels: {tier: public}}], replicas: 4}", "",
                        "private:1 spot-eu:2 ondemand-us:1"),
                row("private first, with room enough there", "{affinity: [{labels: {tier: private}}, {labels: {tier: public}}]}", "",
                        "private:1"),
                row("private first, its node dead", "{affinity: [{labels: {tier: private}}, {labels: {tier: public}}]}",
                        "private-1:dead", "spot-eu:1"),
                row("duplicated to every public cloud", "{affinity: [{labels: {tier: public}}], scheduling: duplicated}", "",
                        "spot-eu:1 ondemand-us:1"),
                row("duplicated, as far as nodes go", "{affinity: [{labels: {tier: public}}], scheduling: duplicated, replicas: 3}", "",
                        "spot-eu:2 ondemand-us:1"),
                row("duplicated, at most one cloud", "{affinity: [{labels: {tier: public}}], scheduling: duplicated, spread: {maxClouds: 1}}",
                        "", "spot-eu:1"),
                row("static weights", "{weights: {spot-eu: 1, ondemand-us: 1}, replicas: 2}", "", "spot-eu:1 ondemand-us:1"),
                row("static weights capped by room", "{weights: {spot-eu: 3, ondemand-us: 1}, replicas: 4}", "", "spot-eu:2 ondemand-us:1"),
                row("weights by available capacity", "{affinity: [{labels: {tier: public}}], weights: capacity, replicas: 3}", "",
                        "spot-eu:2 ondemand-us:1"),
                row("capacity weights follow what is free", "{affinity: [{labels: {tier: public}}], weights: capacity, replicas: 2}",
                        "spot-eu-1:full", "spot-eu:1 ondemand-us:1"),
                row("spread over at least three clouds", "{replicas: 3, spread: {minClouds: 3}}", "", "edge-paris:1 private:1 spot-eu:1"),
                row("an override that no node of a cloud has room for", "{overrides: [{clouds: edge-paris, memory: 2048}]}", "",
                        "private:1"),
                row("a dead cloud is skipped", "{require: {trust: trusted}}", "edge-paris-1:dead", "private:1"),
                row("nothing passes", "{require: {trust: tee}}", "", "!no cloud passed the filters"),
                row("too few clouds for the spread", "{require: {trust: trusted}, replicas: 3, spread: {minClouds: 3}}", "",
                        "!only 2 cloud(s) can take a replica"),
                row("fewer replicas than clouds to spread over", "{replicas: 1, spread: {minClouds: 2}}", "",
                        "!1 replica(s) cannot spread over spread.minClouds 2"),
                row("no group has enough clouds for a duplicated spread",
                        "{affinity: [{labels: {tier: private}}], scheduling: duplicated, spread: {minClouds: 2}}", "",
                        "!no affinity group has the 2 clouds"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void placesReplicasAsThePlacementAsks(String name, String placement, String nodes, String expected) {
        Placement p = place(placement, nodes);
        if (expected.startsWith("!")) {
            assertThat(p.placed()).isFalse();
            assertThat(p.problem()).hasValueSatisfying(problem -> assertThat(problem).contains(expected.substring(1)));
            assertThat(p.assignments()).isEmpty();
        } else {
            assertThat(p.problem()).isEmpty();
            assertThat(p.assignments().stream().map(a -> a.cloud() + ":" + a.nodes().size()).collect(Collectors.joining(" ")))
                    .isEqualTo(expected);
        }
    }

    @Test
    void everyCloudGetsAVerdictAndRefusalsSayWhy() {
        Placement p = place("{require: {trust: trusted, hardware: gpu}}", "");
        assertThat(p.verdicts()).extracting(Placement.Verdict::cloud)
                .containsExactly("spot-eu", "ondemand-us", "private", "edge-paris");
        assertThat(p.verdicts().get(0).reasons()).containsExactly("trust untrusted, the app requires trusted", "no gpu hardware");
        assertThat(p.verdicts().get(1).reasons()).containsExactly("trust untrusted, the app requires trusted");
        assertThat(p.verdicts().get(2).reasons()).containsExactly("no gpu hardware");
        assertThat(p.verdicts()).allSatisfy(v -> assertThat(v.score()).isEmpty());
    }

    @Test
    void scoresWeighCostLatencyAndLoadAndTheBestIsTaken() {
        Placement p = place("{affinity: [{labels: {tier: public}}]}", "");
        var spot = p.verdicts().get(0);
        var us = p.verdicts().get(1);
        assertThat(spot.parts()).containsOnlyKeys("cost", "latency", "load");
        assertThat(us.parts().get("cost")).isEqualTo(1.0); // the dearest of the two
        assertThat(spot.score().orElseThrow()).isLessThan(us.score().orElseThrow());
        assertThat(spot.taken()).isTrue();
        assertThat(us.reasons()).containsExactly("passed, not needed: the replicas went to better clouds");
        assertThat(p.verdicts().get(2).reasons()).containsExactly("in no affinity group");
    }

    @Test
    void theLeastLoadedNodesOfACloudAreTakenFirst() {
        Placement p = place("{affinity: [{clouds: spot-eu}]}", "spot-eu-1:busy");
        assertThat(p.nodes()).containsExactly("spot-eu-2");
    }

    @Test
    void overridesGiveACloudItsOwnMemoryAndEnvironment() {
        Placement p = place("{affinity: [{labels: {tier: public}}], scheduling: duplicated,"
                + " overrides: [{labels: {pricing: spot}, memory: 512, env: {CHECKPOINT: often}}, {clouds: ondemand-us, env: {GPU: cuda}}]}", "");
        assertThat(p.assignments()).extracting(Placement.Assignment::memoryMb).containsExactly(512, 256);
        assertThat(p.assignments().get(0).env()).containsEntry("CHECKPOINT", "often").doesNotContainKey("GPU");
        assertThat(p.assignments().get(1).env()).containsEntry("GPU", "cuda");
    }

    @Test
    void aPartialPlacementSaysHowManyReplicasFoundRoom() {
        Placement p = place("{affinity: [{clouds: spot-eu}], replicas: 5}", "");
        assertThat(p.placed()).isTrue();
        assertThat(p.nodes()).hasSize(2);
        assertThat(p.verdicts().get(0).reasons()).contains("only 2 of 5 replicas placed: no more room");
    }

    /** {@code scaling.onDemandFloor}: so many replicas stay off spot clouds, as far as there is room. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no floor: both on the cheap spot cloud      | {affinity: [{labels: {tier: public}}], replicas: 2}               | 0 | spot-eu:2",
            "one of two off spot                         | {affinity: [{labels: {tier: public}}], replicas: 2}               | 1 | spot-eu:1 ondemand-us:1",
            "a floor over the replicas: all of them      | {affinity: [{labels: {tier: public}}], replicas: 1}               | 3 | ondemand-us:1",
            "the floor outranks the groups' order        | {affinity: [{clouds: spot-eu}, {clouds: private}], replicas: 2}   | 1 | spot-eu:1 private:1",
            "no room for the whole floor                 | {affinity: [{labels: {tier: public}}], replicas: 3}               | 2 | spot-eu:2 ondemand-us:1",
            "only spot clouds allowed: the floor unmet   | {affinity: [{clouds: spot-eu}], replicas: 2}                      | 1 | spot-eu:2",
    })
    void anOnDemandFloorKeepsReplicasOffSpotClouds(String name, String placement, int floor, String expected) {
        String yaml = "app: a\nfunctions: {f: {handler: a.F, memory: 256}}\nplacement: " + placement
                + "\nscaling: {max: 10, onDemandFloor: " + floor + "}\n";
        Manifest m = ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8));
        Placement p = Scheduler.place(m.placement(), m.memoryMb(), TOPOLOGY, status(""));
        assertThat(p.assignments().stream().map(a -> a.cloud() + ":" + a.nodes().size()).collect(Collectors.joining(" ")))
                .isEqualTo(expected);
        long offSpot = p.assignments().stream().filter(a -> !a.cloud().equals("spot-eu")).mapToInt(a -> a.nodes().size()).sum();
        boolean unmet = offSpot < Math.min(floor, m.placement().replicas());
        assertThat(p.verdicts().stream().flatMap(v -> v.reasons().stream()).anyMatch(r -> r.startsWith("onDemandFloor")))
                .as("the verdicts say the floor is unmet").isEqualTo(unmet);
    }

    private static Placement place(String placement, String nodeChanges) {
        String yaml = "app: a\nfunctions: {f: {handler: a.F, memory: 256}}\n" + (placement.isEmpty() ? "" : "placement: " + placement + "\n");
        Manifest m = ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8));
        return Scheduler.place(m.placement(), m.memoryMb(), TOPOLOGY, status(nodeChanges));
    }

    /** Every node alive, idle and empty, but for changes such as {@code private-1:dead spot-eu-1:busy}. */
    private static List<NodeStatus> status(String changes) {
        List<NodeStatus> nodes = new ArrayList<>();
        for (NodeSpec n : TOPOLOGY.nodes()) {
            String change = Arrays.stream(changes.split(" ")).filter(c -> c.startsWith(n.name() + ":"))
                    .map(c -> c.substring(c.indexOf(':') + 1)).findFirst().orElse("");
            nodes.add(switch (change) {
                case "dead" -> new NodeStatus(n.name(), n.cloud(), false, n.memoryMb(), 0);
                case "full" -> new NodeStatus(n.name(), n.cloud(), true, 0, 1);
                case "busy" -> new NodeStatus(n.name(), n.cloud(), true, n.memoryMb(), 0.9);
                default -> new NodeStatus(n.name(), n.cloud(), true, n.memoryMb(), 0);
            });
        }
        return nodes;
    }

    private static Arguments row(String name, String placement, String nodes, String expected) {
        return Arguments.of(name, placement, nodes, expected);
    }

    private static Topology topology() {
        try {
            return TopologyReader.read(Files.readAllBytes(Path.of("../examples/topology/four-clouds.yaml")));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
