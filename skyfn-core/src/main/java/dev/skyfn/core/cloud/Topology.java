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
    private final String stateMirror;

    /** Each cloud's elastic nodes: the names and sizes of the nodes it may add beyond those listed. */
    private final Map<String, List<NodeSpec>> elastic = new LinkedHashMap<>();

    Topology(Map<String, Cloud> clouds, Map<String, Map<String, Double>> users, Map<String, Map<String, Double>> between,
             String stateCloud, int stateReplicas, String stateMirror) {
        this.stateCloud = stateCloud;
        this.stateReplicas = stateReplicas;
        this.stateMirror = stateMirror;
        this.clouds = Collections.unmodifiableMap(new LinkedHashMap<>(clouds));
        this.users = Map.copyOf(users);
        this.between = Map.copyOf(between);
        Set<String> taken = new java.util.HashSet<>();
        clouds.values().forEach(c -> c.nodes().forEach(n -> taken.add(n.name())));
        for (Cloud c : clouds.values()) {
            List<NodeSpec> more = new java.util.ArrayList<>();
            NodeSpec size = c.nodes().isEmpty() ? new NodeSpec("", c.name(), DEFAULT_CPUS, DEFAULT_MEMORY_MB) : c.nodes().getFirst();
            for (int k = 1; c.nodes().size() + more.size() < c.maxNodes(); k++) {
                String name = c.name() + "-" + k;
                if (taken.add(name)) {
                    more.add(new NodeSpec(name, c.name(), size.cpus(), size.memoryMb()));
                }
            }
            elastic.put(c.name(), List.copyOf(more));
        }
    }

    /** The size of a node a cloud lists none of: 2 vCPUs, 4 GiB. */
    static final int DEFAULT_CPUS = 2;
    static final int DEFAULT_MEMORY_MB = 4096;

    /** One machine as one trusted, owned cloud with one node and no users elsewhere. */
    public static Topology local(int cpus, int memoryMb) {
        return local(LOCAL, cpus, memoryMb);
    }

    /** One machine as one trusted, owned cloud ({@value #LOCAL}) with one node, {@code node}, and no users elsewhere. */
    public static Topology local(String node, int cpus, int memoryMb) {
        var pricing = new Pricing(Pricing.Model.OWNED, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO);
        var cloud = new Cloud(LOCAL, LOCAL, LOCAL, Map.of(), pricing, Trust.TRUSTED, Set.of(), Duration.ZERO, 1, false,
                List.of(new NodeSpec(node, LOCAL, cpus, memoryMb)));
        return new Topology(Map.of(LOCAL, cloud), Map.of(LOCAL, Map.of(LOCAL, 0.0)), Map.of(), LOCAL, 1, null);
    }

    /**
     * This topology with each cloud priced as {@code pricing} says (live prices, a replayed trace);
     * everything else unchanged.
     */
    public Topology repriced(java.util.function.Function<Cloud, Pricing> pricing) {
        Map<String, Cloud> next = new LinkedHashMap<>();
        clouds.forEach((name, c) -> next.put(name, new Cloud(c.name(), c.provider(), c.region(), c.labels(), pricing.apply(c), c.trust(),
                c.hardware(), c.startup(), c.maxNodes(), c.edge(), c.nodes())));
        return new Topology(next, users, between, stateCloud, stateReplicas, stateMirror);
    }

    /** The clouds in the file's order. */
    public List<Cloud> clouds() {
        return List.copyOf(clouds.values());
    }

    public Optional<Cloud> cloud(String name) {
        return Optional.ofNullable(clouds.get(name));
    }

    /** Whether the cloud named is spot capacity ({@link Pricing#spot}); false for one the topology has not. */
    public boolean spot(String cloud) {
        return cloud(cloud).map(c -> c.pricing().spot()).orElse(false);
    }

    /** The nodes the topology lists, cloud by cloud: always there, whatever capacity comes and goes. */
    public List<NodeSpec> nodes() {
        return clouds.values().stream().flatMap(c -> c.nodes().stream()).toList();
    }

    /** A node listed in the topology, or one of a cloud's elastic nodes. */
    public Optional<NodeSpec> node(String name) {
        return java.util.stream.Stream.concat(nodes().stream(), elastic.values().stream().flatMap(List::stream))
                .filter(n -> n.name().equals(name)).findFirst();
    }

    /**
     * The nodes {@code cloud} may add beyond those it lists, up to its {@code maxNodes}: named
     * {@code <cloud>-<k>} (names the topology uses already skipped), each the size of the cloud's
     * first listed node. Every node of the fleet holds credentials only for the name it runs as;
     * these names are what a capacity provider gives the nodes it starts.
     */
    public List<NodeSpec> elasticNodes(String cloud) {
        return elastic.getOrDefault(cloud, List.of());
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

    /**
     * The cloud whose cluster keeps a mirror of each of the state cloud's streams and buckets, in
     * as many copies ({@code stateMirror}; none by default), to be promoted in its place when the
     * whole state cloud is lost.
     */
    public Optional<String> stateMirror() {
        return Optional.ofNullable(stateMirror);
    }

    /**
     * The NATS servers a cloud's cluster runs: {@link #stateReplicas()} for the state cloud and its
     * mirror, one for every other cloud that is not an edge site, none for an edge site (its
     * server is a leaf node).
     */
    public int natsServers(String cloud) {
        Cloud c = clouds.get(cloud);
        if (c == null || c.edge()) {
            return 0;
        }
        return cloud.equals(stateCloud) || cloud.equals(stateMirror) ? stateReplicas : 1;
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
