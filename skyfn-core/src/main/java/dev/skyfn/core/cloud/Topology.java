package dev.skyfn.core.cloud;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The clouds skyfn spans, their nodes, and the round-trip latencies (in milliseconds) between
 * the clouds and from each region users call from to each cloud.
 */
public final class Topology {

    /** The cloud and node of the embedded default, which is one machine. */
    public static final String LOCAL = "local";

    private final Map<String, Cloud> clouds;
    private final Map<String, Map<String, Double>> users;
    private final Map<String, Map<String, Double>> between;
    private final String stateCloud;
    private final int stateReplicas;

    Topology(Map<String, Cloud> clouds, Map<String, Map<String, Double>> users, Map<String, Map<String, Double>> between,
             String stateCloud, int stateReplicas) {
        this.stateCloud = stateCloud;
        this.stateReplicas = stateReplicas;
        this.clouds = Collections.unmodifiableMap(new LinkedHashMap<>(clouds));
        this.users = Map.copyOf(users);
        this.between = Map.copyOf(between);
    }

    /** One machine as one trusted, owned cloud with one node and no users elsewhere. */
    public static Topology local(int cpus, int memoryMb) {
        var pricing = new Pricing(Pricing.Model.OWNED, 0, 0, 0, 0, Duration.ZERO);
        var cloud = new Cloud(LOCAL, LOCAL, LOCAL, Map.of(), pricing, Trust.TRUSTED, Set.of(), Duration.ZERO, 1, false,
                List.of(new NodeSpec(LOCAL, LOCAL, cpus, memoryMb)));
        return new Topology(Map.of(LOCAL, cloud), Map.of(LOCAL, Map.of(LOCAL, 0.0)), Map.of(), LOCAL, 1);
    }

    /** The clouds in the file's order. */
    public List<Cloud> clouds() {
        return List.copyOf(clouds.values());
    }

    public Optional<Cloud> cloud(String name) {
        return Optional.ofNullable(clouds.get(name));
    }

    public List<NodeSpec> nodes() {
        return clouds.values().stream().flatMap(c -> c.nodes().stream()).toList();
    }

    public Optional<NodeSpec> node(String name) {
        return nodes().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The cloud whose cluster keeps skyfn's streams and buckets (apps, packages, state, nodes). */
    public String stateCloud() {
        return stateCloud;
    }

    /**
     * How many copies of each of skyfn's streams and buckets the state cloud keeps, each on a
     * server of its own ({@code stateReplicas}, 1 by default; JetStream's R3 survives the loss of
     * one server).
     */
    public int stateReplicas() {
        return stateReplicas;
    }

    /** The regions users call from. */
    public Set<String> regions() {
        return users.keySet();
    }

    /** Round trip in ms from users in {@code region} to {@code cloud}. */
    public double latency(String region, String cloud) {
        Map<String, Double> row = users.get(region);
        if (row == null) {
            throw new IllegalArgumentException("no user region '" + region + "' in the topology");
        }
        return row.get(cloud);
    }

    /** Round trip in ms between two clouds; zero within one. */
    public double latencyBetween(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        Double d = between.getOrDefault(a, Map.of()).get(b);
        return d != null ? d : between.get(b).get(a);
    }
}
