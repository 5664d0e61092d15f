package dev.skyfn.core.manifest;

import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Trust;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Where an app may run and how many replicas it gets, in Karmada's terms applied to functions.
 * A replica is one node serving the app (one sandbox on it).
 *
 * @param affinity   ordered groups of clouds: the app goes to the first group that can host it and
 *                   overflows into the next when that one runs out of capacity (private first,
 *                   burst to public); empty means every cloud
 * @param require    what every cloud must offer
 * @param minClouds  the fewest clouds the replicas spread over
 * @param maxClouds  the most clouds the replicas spread over
 * @param replicas   replicas in all ({@link Scheduling#DIVIDED}) or per cloud ({@link Scheduling#DUPLICATED})
 * @param scheduling duplicated to every chosen cloud, or divided among them
 * @param weights    how divided replicas are shared: packed into the best clouds, by static
 *                   weights, or by each cloud's available capacity
 * @param overrides  per-cloud differences: memory, environment
 * @param onDemandFloor the fewest divided replicas kept on clouds that are not spot (on-demand or
 *                   owned), when the app has as many: they serve while the spot replicas taken
 *                   back are replaced — an EC2 Auto Scaling group's {@code OnDemandBaseCapacity}.
 *                   Read from the manifest's {@code scaling.onDemandFloor}; 0 for none
 */
public record PlacementSpec(List<AffinityGroup> affinity, Requirements require, int minClouds, int maxClouds, int replicas,
                            Scheduling scheduling, Weights weights, List<Override> overrides, int onDemandFloor) {

    public PlacementSpec {
        affinity = List.copyOf(affinity);
        overrides = List.copyOf(overrides);
    }

    /** This placement with {@code n} replicas (an autoscaler's count, or as many as an app has). */
    public PlacementSpec withReplicas(int n) {
        return new PlacementSpec(affinity, require, minClouds, maxClouds, n, scheduling, weights, overrides, onDemandFloor);
    }

    /** This placement keeping {@code n} replicas off spot clouds. */
    public PlacementSpec withOnDemandFloor(int n) {
        return new PlacementSpec(affinity, require, minClouds, maxClouds, replicas, scheduling, weights, overrides, n);
    }

    /**
     * This placement confined to one cloud, as a migration leaves it: that cloud its only
     * affinity group, its replicas spread over it alone; requirements, replicas and overrides as
     * they were (whether the cloud meets the requirements is the scheduler's to check), and no
     * on-demand floor: the person who moved it chose that cloud.
     */
    public PlacementSpec confinedTo(String cloud) {
        return new PlacementSpec(List.of(new AffinityGroup("migrated", new Selector(Set.of(cloud), Map.of()))), require, 1, 1,
                replicas, scheduling, weights, overrides, 0);
    }

    /** The memory in MiB the app gets on {@code cloud}: that of the last override for it that sets memory, else {@code appMemoryMb}. */
    public int memoryOn(Cloud cloud, int appMemoryMb) {
        int memory = appMemoryMb;
        for (Override o : overrides) {
            if (o.where().matches(cloud)) {
                memory = o.memoryMb().orElse(memory);
            }
        }
        return memory;
    }

    /** The environment variables the overrides for {@code cloud} set, later rules winning; empty when none applies. */
    public Map<String, String> envOn(Cloud cloud) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (Override o : overrides) {
            if (o.where().matches(cloud)) {
                env.putAll(o.env());
            }
        }
        return env;
    }

    /** The default: one replica on the best cloud of all. */
    public static final PlacementSpec DEFAULT = new PlacementSpec(List.of(), Requirements.NONE, 1, Integer.MAX_VALUE, 1,
            Scheduling.DIVIDED, Weights.PACKED, List.of(), 0);

    public enum Scheduling { DUPLICATED, DIVIDED }

    /**
     * How divided replicas are shared.
     *
     * @param kind   packed into the fewest, best clouds; static; or by available capacity
     * @param staticWeights the weight of each cloud by name, for {@link Kind#STATIC}
     */
    public record Weights(Kind kind, Map<String, Integer> staticWeights) {
        public enum Kind { PACKED, STATIC, CAPACITY }

        public static final Weights PACKED = new Weights(Kind.PACKED, Map.of());
        public static final Weights CAPACITY = new Weights(Kind.CAPACITY, Map.of());

        public Weights {
            staticWeights = Map.copyOf(staticWeights);
        }
    }

    /** Clouds picked by name, by labels, or both (a cloud must match all that is given). */
    public record Selector(Set<String> clouds, Map<String, Set<String>> labels) {
        public Selector {
            clouds = Set.copyOf(clouds);
            labels = Map.copyOf(labels);
        }

        public boolean matches(Cloud cloud) {
            if (!clouds.isEmpty() && !clouds.contains(cloud.name())) {
                return false;
            }
            Map<String, String> has = cloud.allLabels();
            return labels.entrySet().stream().allMatch(l -> l.getValue().contains(has.get(l.getKey())));
        }
    }

    public record AffinityGroup(String name, Selector selector) {
    }

    /**
     * What a cloud must offer to host the app.
     *
     * @param trust      the least trust
     * @param hardware   hardware every node must have
     * @param maxLatency the most round-trip latency from a user region
     * @param maxPrice   the most per GiB-second, in US dollars
     */
    public record Requirements(Trust trust, Set<String> hardware, Optional<MaxLatency> maxLatency, OptionalDouble maxPrice) {
        public static final Requirements NONE = new Requirements(Trust.UNTRUSTED, Set.of(), Optional.empty(), OptionalDouble.empty());

        public Requirements {
            hardware = Set.copyOf(hardware);
        }
    }

    /** At most {@code ms} round trip from users in {@code region}. */
    public record MaxLatency(String region, double ms) {
    }

    /** Differences for the clouds {@code where} selects. */
    public record Override(Selector where, OptionalInt memoryMb, Map<String, String> env) {
        public Override {
            env = Map.copyOf(env);
        }
    }
}
