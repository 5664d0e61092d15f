package dev.skyfn.control.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.cloud.NodeSpec;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.core.manifest.Manifest;
import dev.skyfn.core.manifest.ManifestReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Placing an app again after its nodes changed, one case per row: the app's placement, the nodes
 * it runs on, what differs in the nodes' reports, the nodes it runs on next (best cloud first, kept
 * replicas first in their cloud), and what the placement says is missing ("-" for nothing).
 * Three clouds of equal latency, cheapest first: a (untrusted, five nodes), b (untrusted, one
 * node), c (trusted, three nodes).
 */
class ReplaceTest {

    private static final Topology TOPOLOGY = TopologyReader.read("""
            clouds:
              a: {provider: aws, region: eu-west-1, pricing: {gbSecond: 0.000002}, nodes: {a-1: {}, a-2: {}, a-3: {}, a-4: {}, a-5: {}}}
              b: {provider: gcp, region: europe-west1, pricing: {gbSecond: 0.000004}, nodes: {b-1: {}}}
              c: {provider: private, region: eu-central, trust: trusted, pricing: {model: owned, gbSecond: 0.000008},
                  nodes: {c-1: {}, c-2: {}, c-3: {}}}
            users:
              eu: {a: 10, b: 10, c: 10}
            latency:
              a: {b: 5, c: 5}
              b: {c: 5}
            """.getBytes(StandardCharsets.UTF_8));

    static Stream<Arguments> cases() {
        return Stream.of(
                row("a lost replica is replaced; the others stay", "{affinity: [{clouds: [a]}], replicas: 3}", "a-1 a-2 a-3",
                        "a-2:dead", "a-1 a-3 a-4", "-"),
                row("a busy survivor stays, though idle nodes rank above it", "{affinity: [{clouds: [a]}], replicas: 3}", "a-1 a-2 a-3",
                        "a-2:dead a-1:busy", "a-1 a-3 a-4", "-"),
                row("a survivor needs no room of its own; a new node does", "{affinity: [{clouds: [a]}], replicas: 2}", "a-1 a-2",
                        "a-1:full a-2:dead a-3:full", "a-1 a-4", "-"),
                row("no live node has room: the survivors stay, and it says why", "{affinity: [{clouds: [a]}], replicas: 3}",
                        "a-1 a-2 a-3", "a-2:dead a-4:full a-5:full", "a-1 a-3", "a: only 2 of 3 replicas placed: no more room"),
                row("every replica lost and no cloud can take one", "{affinity: [{clouds: [b]}]}", "b-1", "b-1:dead", "",
                        "no cloud passed the filters"),
                row("a node back from the dead: the app grows back to what it asks", "{affinity: [{clouds: [a]}], replicas: 3}",
                        "a-1 a-3", "", "a-1 a-3 a-2", "-"),
                row("nothing lost, nothing missing: nothing moves, though another cloud is now better", "{replicas: 2}", "b-1 c-1",
                        "", "b-1 c-1", "-"),
                row("divided: a lost cloud's replica goes to another cloud, as the spread asks",
                        "{replicas: 3, spread: {minClouds: 2}}", "a-1 a-2 b-1", "b-1:dead", "a-1 a-2 c-1", "-"),
                row("divided: the spread cannot be met: the survivors stay, and it says why",
                        "{affinity: [{clouds: [a, b]}], replicas: 2, spread: {minClouds: 2}}", "a-1 b-1", "b-1:dead", "a-1",
                        "only 1 cloud(s) can take a replica; spread.minClouds asks for 2"),
                row("divided: the clouds of kept replicas count towards maxClouds", "{replicas: 3, spread: {maxClouds: 2}}",
                        "b-1 c-1 c-2", "c-2:dead", "b-1 c-1 c-3", "-"),
                row("divided: static weights say which cloud the replacement goes to", "{weights: {a: 1, c: 1}, replicas: 4}",
                        "a-1 a-2 c-1 c-2", "c-2:dead", "a-1 a-2 c-1 c-3", "-"),
                row("duplicated: a lost cloud is replaced by another of the group",
                        "{scheduling: duplicated, spread: {minClouds: 2, maxClouds: 2}}", "a-1 b-1", "b-1:dead", "a-1 c-1", "-"),
                row("duplicated: the app keeps to the group of its live replicas",
                        "{affinity: [{clouds: [a]}, {clouds: [c]}], scheduling: duplicated, replicas: 2}", "c-1 c-2", "c-2:dead",
                        "c-1 c-3", "-"),
                row("duplicated: the group cannot spread as asked: the survivors stay, and it says why",
                        "{affinity: [{clouds: [b, c]}], scheduling: duplicated, spread: {minClouds: 2}}", "b-1 c-1", "b-1:dead", "c-1",
                        "the affinity group of the app's live replicas has 1 cloud(s) that can take one; spread.minClouds asks for 2"),
                row("a required trust keeps replacements in trusted clouds, however cheap the others",
                        "{require: {trust: trusted}, replicas: 2}", "c-1 c-2", "c-2:dead c-3:full", "c-1",
                        "c: only 1 of 2 replicas placed: no more room"),
                row("nothing kept: a fresh placement", "{replicas: 2}", "", "", "a-1 a-2", "-"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void keepsTheLiveReplicasAndFillsWhatIsMissing(String name, String placement, String current, String changes, String expected,
                                                   String missing) {
        Placement p = replace(placement, current, changes);
        assertThat(String.join(" ", p.nodes())).isEqualTo(expected);
        if (missing.equals("-")) {
            assertThat(p.shortfall()).isEmpty();
        } else {
            assertThat(p.shortfall()).hasValueSatisfying(why -> assertThat(why).contains(missing));
        }
    }

    @Test
    void placingAfreshWouldHaveMovedTheBusySurvivor() {
        Manifest m = manifest("{affinity: [{clouds: [a]}], replicas: 3}");
        assertThat(Scheduler.place(m.placement(), m.memoryMb(), TOPOLOGY, status("a-2:dead a-1:busy")).nodes())
                .containsExactly("a-3", "a-4", "a-5");
    }

    @Test
    void aKeptReplicaKeepsItsCloudsMemoryOverride() {
        Placement p = replace("{affinity: [{clouds: [a]}], replicas: 2, overrides: [{clouds: a, memory: 512}]}", "a-1 a-2", "a-2:dead");
        assertThat(p.assignments()).singleElement().satisfies(a -> {
            assertThat(a.nodes()).containsExactly("a-1", "a-3");
            assertThat(a.memoryMb()).isEqualTo(512);
        });
    }

    private static Placement replace(String placement, String current, String changes) {
        Manifest m = manifest(placement);
        List<String> nodes = current.isEmpty() ? List.of() : List.of(current.split(" "));
        return Scheduler.replace(m.placement(), m.memoryMb(), TOPOLOGY, status(changes), nodes);
    }

    private static Manifest manifest(String placement) {
        String yaml = "app: a\nfunctions: {f: {handler: a.F, memory: 256}}\nplacement: " + placement + "\n";
        return ManifestReader.read(yaml.getBytes(StandardCharsets.UTF_8));
    }

    /** Every node alive, idle and empty, but for changes such as {@code a-2:dead a-1:busy a-3:full}. */
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

    private static Arguments row(String name, String placement, String current, String changes, String expected, String missing) {
        return Arguments.of(name, placement, current, changes, expected, missing);
    }
}
