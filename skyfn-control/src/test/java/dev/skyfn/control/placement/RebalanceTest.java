package dev.skyfn.control.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Pricing;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.manifest.ManifestReader;
import dev.skyfn.core.manifest.PlacementSpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Moving an app when prices change, one case per row: the app's placement, the nodes it runs on,
 * the clouds' prices per GiB-second now (the topology's otherwise), and where it goes ("-": it
 * stays). Two public clouds 10 ms from users in eu (spot, on-demand), a trusted private cloud 30
 * ms away; each cloud's nodes a-1, a-2 and so on.
 */
class RebalanceTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              spot: {provider: aws, region: eu-west-1, pricing: {model: spot, gbSecond: 0.000004, preemptionNotice: 2m},
                     nodes: {spot-1: {}, spot-2: {}}}
              ondemand: {provider: gcp, region: europe-west1, pricing: {gbSecond: 0.000010}, nodes: {ondemand-1: {}, ondemand-2: {}}}
              private: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned, gbSecond: 0.000008},
                        nodes: {private-1: {}}}
            users:
              eu: {spot: 10, ondemand: 10, private: 30}
            latency:
              spot: {ondemand: 5, private: 5}
              ondemand: {private: 5}
            """.getBytes(StandardCharsets.UTF_8));

    @ParameterizedTest(name = "{0}: on {1} at {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            // the spot price went up past on-demand's by more than the margin: the app moves
            "{} | spot-1 | spot:0.000020 | ondemand-1",
            // up, but not by the margin over on-demand: it stays
            "{} | spot-1 | spot:0.000011 | -",
            // the prices it was placed at: it stays where it is
            "{} | spot-1 | - | -",
            // on-demand now cheaper: both replicas move
            "{replicas: 2} | ondemand-1 ondemand-2 | ondemand:0.000003 spot:0.000009 | -",
            "{replicas: 2} | ondemand-1 ondemand-2 | - | spot-1 spot-2",
            // the latency SLO holds: private is cheapest now but 30 ms away, over the 20 ms asked
            "{require: {maxLatency: {from: eu, ms: 20}}} | spot-1 | spot:0.000020 private:0.000001 | ondemand-1",
            // trust holds: only private is trusted, and it stays there whatever the prices
            "{require: {trust: trusted}} | private-1 | private:0.000900 | -",
            // a dead node is failover's business, not a price move
            "{} | spot-1 | spot:0.000020 dead:spot-1 | -",
    })
    void movesOnlyWhenItIsCheaperByTheMarginWithinTheFilters(String placement, String current, String prices, String to) {
        PlacementSpec spec = ManifestReader.read(("app: x\nplacement: " + placement + "\nfunctions: {f: {handler: a.B, memory: 1024}}\n")
                .getBytes(StandardCharsets.UTF_8)).placement();
        Map<String, Double> price = new java.util.HashMap<>();
        List<String> dead = new java.util.ArrayList<>();
        if (!prices.equals("-")) {
            for (String p : prices.split(" ")) {
                String[] kv = p.split(":");
                if (kv[0].equals("dead")) {
                    dead.add(kv[1]);
                } else {
                    price.put(kv[0], Double.parseDouble(kv[1]));
                }
            }
        }
        Topology now = TOPOLOGY.repriced(c -> price.containsKey(c.name()) ? priced(c, price.get(c.name())) : c.pricing());
        List<NodeStatus> nodes = TOPOLOGY.nodes().stream()
                .map(n -> new NodeStatus(n.name(), n.cloud(), !dead.contains(n.name()), 4096, 0)).toList();

        Optional<Rebalance.Move> move = Rebalance.decide(spec, 1024, now, nodes, Arrays.asList(current.split(" ")), Callers.NONE,
                Rebalance.HYSTERESIS);

        assertThat(move.map(m -> String.join(" ", m.to().nodes())).orElse("-")).isEqualTo(to);
        move.ifPresent(m -> {
            assertThat(m.costAfter()).isLessThan(m.costBefore() * (1 - Rebalance.HYSTERESIS));
            assertThat(m.why()).contains("less, beyond the 20% margin");
        });
    }

    private static Pricing priced(Cloud c, double gbSecond) {
        Pricing p = c.pricing();
        return p.at(gbSecond, p.vcpuSecond());
    }

    @ParameterizedTest(name = "floor {0}: on {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // both replicas on spot, one asked off it: it moves, though on-demand costs more
            "1 | spot-1 spot-2 | spot-1 ondemand-1",
            "0 | spot-1 spot-2 | -",
            // the floor met: no move
            "1 | spot-1 ondemand-1 | -",
            "2 | spot-1 ondemand-1 | ondemand-1 ondemand-2",
    })
    void anAppBelowItsOnDemandFloorMovesOffSpotWhateverItCosts(int floor, String current, String to) {
        PlacementSpec spec = ManifestReader.read(("app: x\nplacement: {replicas: 2}\nscaling: {max: 5, onDemandFloor: " + floor
                + "}\nfunctions: {f: {handler: a.B, memory: 1024}}\n").getBytes(StandardCharsets.UTF_8)).placement();
        List<NodeStatus> nodes = TOPOLOGY.nodes().stream().map(n -> new NodeStatus(n.name(), n.cloud(), true, 4096, 0)).toList();
        Optional<Rebalance.Move> move = Rebalance.decide(spec, 1024, TOPOLOGY, nodes, Arrays.asList(current.split(" ")), Callers.NONE,
                Rebalance.HYSTERESIS);
        assertThat(move.map(m -> String.join(" ", m.to().nodes())).orElse("-")).isEqualTo(to);
        move.ifPresent(m -> assertThat(m.why()).contains("onDemandFloor asks for " + floor + " replica(s) off spot clouds"));
    }

    /** Two clouds alike but for where they are: eu 10 ms from users in europe and 80 from those in america, us the reverse. */
    private static final Topology TWO_CONTINENTS = TopologyReader.read("""
            clouds:
              eu: {provider: aws, region: eu-west-1, hardware: [avx512], pricing: {gbSecond: 0.000010}, nodes: {eu-1: {}, eu-2: {}}}
              us: {provider: aws, region: us-east-1, hardware: [avx512], pricing: {gbSecond: 0.000010}, nodes: {us-1: {}, us-2: {}}}
              far: {provider: gcp, region: ap-south1, pricing: {gbSecond: 0.000002}, nodes: {far-1: {}}}
            users:
              europe: {eu: 10, us: 80, far: 150}
              america: {eu: 80, us: 10, far: 200}
            latency:
              eu: {us: 70, far: 140}
              us: {far: 190}
            """.getBytes(StandardCharsets.UTF_8));

    @ParameterizedTest(name = "{0} on {1}, callers {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            // its callers are where it runs: it stays
            "{require: {hardware: avx512}} | eu-1 | europe:1000 | -",
            // they moved to america: it follows them
            "{require: {hardware: avx512}} | eu-1 | america:1000 | us-1",
            "{replicas: 2, require: {hardware: avx512}} | eu-1 eu-2 | america:900 europe:100 | us-1 us-2",
            // too few calls to say where its users are
            "{require: {hardware: avx512}} | eu-1 | america:99 | -",
            // 55% in america: 46 ms from us against 54.5 from eu, 16% less, within the margin
            "{require: {hardware: avx512}} | eu-1 | europe:450 america:550 | -",
            // 70%: 34 ms against 59, beyond it
            "{require: {hardware: avx512}} | eu-1 | europe:300 america:700 | us-1",
            // a replica on each continent already: each caller reaches the nearer one
            "{replicas: 2, spread: {minClouds: 2}, require: {hardware: avx512}} | eu-1 us-1 | america:1000 | -",
            // the latency SLO holds whoever calls
            "{require: {hardware: avx512, maxLatency: {from: europe, ms: 20}}} | eu-1 | america:1000 | -",
            // cost still counts: the far cloud is cheapest, and nearer callers do not outweigh it
            "{} | far-1 | america:1000 | -",
    })
    void anAppMovesNearerItsCallersOnlyWhenTheyAreNearerByTheMargin(String placement, String current, String callers, String to) {
        PlacementSpec spec = ManifestReader.read(("app: x\nplacement: " + placement + "\nfunctions: {f: {handler: a.B, memory: 1024}}\n")
                .getBytes(StandardCharsets.UTF_8)).placement();
        Map<String, Long> byRegion = new java.util.HashMap<>();
        for (String c : callers.split(" ")) {
            byRegion.put(c.split(":")[0], Long.parseLong(c.split(":")[1]));
        }
        List<NodeStatus> nodes = TWO_CONTINENTS.nodes().stream().map(n -> new NodeStatus(n.name(), n.cloud(), true, 4096, 0)).toList();

        Optional<Rebalance.Move> move = Rebalance.decide(spec, 1024, TWO_CONTINENTS, nodes, Arrays.asList(current.split(" ")),
                new Callers(byRegion), Rebalance.HYSTERESIS);

        assertThat(move.map(m -> String.join(" ", m.to().nodes())).orElse("-")).isEqualTo(to);
        move.ifPresent(m -> {
            assertThat(m.reason()).isEqualTo(Rebalance.Reason.CALLERS);
            assertThat(m.why()).startsWith("its callers moved: ").contains("came from america", "less, beyond the 20% margin");
        });
    }

    @Test
    void callersWeighTheLatencyOfEachCloudWhenAnAppIsPlaced() {
        PlacementSpec spec = ManifestReader.read("app: x\nplacement: {require: {hardware: avx512}}\nfunctions: {f: {handler: a.B}}\n"
                .getBytes(StandardCharsets.UTF_8)).placement();
        List<NodeStatus> nodes = TWO_CONTINENTS.nodes().stream().map(n -> new NodeStatus(n.name(), n.cloud(), true, 4096, 0)).toList();
        // as far from eu as from us on average: the first by name
        assertThat(Scheduler.place(spec, 128, TWO_CONTINENTS, nodes).nodes()).containsExactly("eu-1");
        assertThat(Scheduler.place(spec, 128, TWO_CONTINENTS, nodes, new Callers(Map.of("america", 10L))).nodes()).containsExactly("us-1");
        assertThat(new Callers(Map.of("america", 3L, "europe", 1L)).meanLatency(TWO_CONTINENTS, List.of("eu", "us"))).isEqualTo(10.0);
        assertThat(new Callers(Map.of("america", 3L, "europe", 1L)).meanLatency(TWO_CONTINENTS, List.of("eu"))).isEqualTo(62.5);
    }

    @ParameterizedTest(name = "{0} to {1}, floor {2}: keeps {3}")
    @CsvSource(delimiter = '|', value = {
            // the cheapest cloud's first
            "ondemand-1 spot-1 private-1 | 2 | 0 | spot-1 private-1",
            // in one cloud, the listed nodes before the elastic ones, then in their order
            "spot-3 spot-1 spot-2 | 2 | 0 | spot-1 spot-2",
            "spot-3 spot-4 ondemand-1 | 1 | 0 | spot-3",
            "spot-1 | 0 | 0 | ",
            // an on-demand floor keeps so many off spot, the cheapest of them first
            "spot-3 spot-4 ondemand-1 | 1 | 1 | ondemand-1",
            "spot-1 spot-2 ondemand-1 | 2 | 1 | spot-1 ondemand-1",
            "spot-1 ondemand-1 private-1 | 2 | 2 | private-1 ondemand-1",
            "spot-1 spot-2 | 1 | 1 | spot-1",
    })
    void aShrinkingAppKeepsItsCheapestReplicasAndListedNodesFirst(String current, int replicas, int floor, String kept) {
        List<String> nodes = Arrays.asList(current.split(" "));
        List<String> got = Scheduler.shrink(nodes, replicas, 1024, TOPOLOGY, n -> n.substring(0, n.indexOf('-')),
                n -> TOPOLOGY.nodes().stream().noneMatch(l -> l.name().equals(n)), floor);
        assertThat(String.join(" ", got)).isEqualTo(kept == null ? "" : kept);
    }
}
