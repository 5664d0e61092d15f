package dev.skyfn.node.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.control.capacity.CapacityPlanner;
import dev.skyfn.control.capacity.CapacityProvider;
import dev.skyfn.control.capacity.NodeState;
import dev.skyfn.control.capacity.ProvidedNode;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.cloud.TopologyReader;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.servers.FleetSecrets;
import dev.skyfn.nats.servers.LocalNats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capacity controller's rounds on a real JetStream for its records: an elastic node asked for
 * while an app lacks a replica, and the round in which it joins — with the scaling round, on its
 * own thread, placing the app on it at any moment of that round.
 */
@Tag("slow")
class CapacityControllerTest {

    private static final String TOPOLOGY = """
            clouds:
              slow:
                provider: aws
                region: eu-west-2
                pricing: {model: spot, gbSecond: 0.0000020, vcpuSecond: 0.0000030, preemptionNotice: 2m}
                startup: 6s
                maxNodes: 3
                nodes: {home-1: {cpus: 2, memory: 2048}}
            users:
              eu: {slow: 10}
            """;
    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
    private static final CapacityPlanner.Shortfall LACKS_ONE = CapacityPlanner.Shortfall.of("dev/cheap", 1, List.of("slow"));

    @TempDir
    static Path dir;
    private static LocalNats nats;
    private static Engine engine;
    private static Topology topology;

    private final Provider provider = new Provider();
    private CapacityController controller;
    private final Map<String, Integer> placed = new HashMap<>();

    @BeforeAll
    static void start() {
        topology = TopologyReader.read(TOPOLOGY.getBytes(StandardCharsets.UTF_8));
        nats = LocalNats.start(topology, dir);
        engine = Engine.connect(nats.access(topology.stateCloud(), FleetSecrets.OPERATOR), "test");
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @BeforeEach
    void fresh() {
        ElasticNodes store = new ElasticNodes(engine);
        store.all().forEach(n -> store.forget(n.node()));
        controller = new CapacityController(() -> topology, provider, store, Duration.ofSeconds(60));
    }

    @Test
    void aShortfallAsksForOneNodeAndItsBootCountsUntilItJoins() {
        tick(Set.of(), () -> List.of(LACKS_ONE), T0);
        tick(Set.of(), () -> List.of(LACKS_ONE), T0.plusSeconds(3));

        assertThat(provider.asked).containsExactly("slow-1");
        assertThat(states()).containsExactly(Map.entry("slow-1", NodeState.BOOTING));
    }

    @Test
    void aJoinedNodeThatServesNothingYetIsTheShortfallsRoom() {
        tick(Set.of(), () -> List.of(LACKS_ONE), T0);
        tick(Set.of("home-1", "slow-1"), () -> List.of(LACKS_ONE), T0.plusSeconds(6));

        assertThat(provider.asked).containsExactly("slow-1");
        assertThat(states()).containsExactly(Map.entry("slow-1", NodeState.READY));
    }

    /**
     * The scaling round places the app on the node that just joined after this round read the
     * shortfalls and before it read the placements: then the node holds a replica for an app the
     * round still sees short, and a second node would be asked for the replica the first already holds.
     */
    @Test
    void aReplicaPlacedOnTheJoinedNodeDuringTheRoundAsksForNoSecondNode() {
        tick(Set.of(), () -> List.of(LACKS_ONE), T0);
        List<CapacityPlanner.Shortfall> seenShort = List.of(LACKS_ONE);
        tick(Set.of("home-1", "slow-1"), () -> {
            placed.put("slow-1", 1); // the scaling round, at this moment
            return seenShort;
        }, T0.plusSeconds(6));
        placed.put("slow-1", 1);
        tick(Set.of("home-1", "slow-1"), List::of, T0.plusSeconds(7));

        assertThat(provider.asked).containsExactly("slow-1");
        assertThat(states()).containsExactly(Map.entry("slow-1", NodeState.READY));
    }

    private void tick(Set<String> alive, Supplier<List<CapacityPlanner.Shortfall>> shortfalls, Instant at) {
        CapacityController.Placements placements = new CapacityController.Placements() {
            @Override
            public Map<String, Integer> seen() {
                return Map.copyOf(placed);
            }

            @Override
            public Map<String, Integer> current() {
                return Map.copyOf(placed);
            }
        };
        controller.tick(alive, Set.of(), placements, Set.of(), Map.of(), shortfalls, Set.of(), at);
    }

    private Map<String, NodeState> states() {
        Map<String, NodeState> states = new HashMap<>();
        new ElasticNodes(engine).all().stream().filter(n -> n.state() != NodeState.RELEASED)
                .forEach(n -> states.put(n.node(), n.state()));
        return states;
    }

    /** A cloud that gives its elastic nodes in the topology's order. */
    private static final class Provider implements CapacityProvider {
        final List<String> asked = new ArrayList<>();

        @Override
        public ProvidedNode acquire(String cloud) {
            String node = topology.elasticNodes(cloud).get(asked.size()).name();
            asked.add(node);
            return new ProvidedNode(node, cloud, NodeState.BOOTING);
        }

        @Override
        public void release(String cloud, String node) {
            asked.remove(node);
        }

        @Override
        public List<ProvidedNode> list(String cloud) {
            return asked.stream().map(n -> new ProvidedNode(n, cloud, NodeState.READY)).toList();
        }
    }
}
