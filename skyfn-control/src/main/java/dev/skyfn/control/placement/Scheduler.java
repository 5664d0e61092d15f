package dev.skyfn.control.placement;

import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.Topology;
import dev.skyfn.core.manifest.PlacementSpec;
import dev.skyfn.core.manifest.PlacementSpec.Scheduling;
import dev.skyfn.core.manifest.PlacementSpec.Weights;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Places an app's replicas on clouds and nodes: a pure function of the app's placement, the
 * topology and what the nodes last reported. Clouds are filtered (trust, hardware, latency,
 * price, affinity, room), scored (cost, then latency from users, then load; lower is better),
 * and replicas are duplicated to or divided among the best, group by group.
 */
public final class Scheduler {

    static final double COST_WEIGHT = 0.5;
    static final double LATENCY_WEIGHT = 0.4;
    static final double LOAD_WEIGHT = 0.1;

    private Scheduler() {
    }

    public static Placement place(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes) {
        List<Candidate> all = new ArrayList<>();
        for (Cloud cloud : topology.clouds()) {
            all.add(Candidate.of(cloud, spec, memoryMb, topology, nodes));
        }
        List<Candidate> feasible = all.stream().filter(Candidate::feasible).toList();
        Candidate.score(feasible);
        feasible = feasible.stream().sorted(Comparator.comparingInt((Candidate c) -> c.group)
                .thenComparingDouble(c -> c.score).thenComparing(c -> c.cloud.name())).toList();
        Optional<String> problem = spec.scheduling() == Scheduling.DUPLICATED ? duplicate(spec, feasible) : divide(spec, feasible);
        for (Candidate c : feasible) {
            if (c.replicas == 0 && c.reasons.isEmpty()) {
                c.reasons.add("passed, not needed: the replicas went to better clouds");
            }
        }
        List<Placement.Assignment> taken = feasible.stream().filter(c -> c.replicas > 0)
                .map(c -> new Placement.Assignment(c.cloud.name(), c.nodes.subList(0, c.replicas), c.memoryMb, c.env)).toList();
        return new Placement(problem.isPresent() ? List.of() : taken, all.stream().map(c -> c.verdict(spec)).toList(), problem);
    }

    /** Every cloud of the first group with enough of them gets {@code replicas}, as far as its nodes go. */
    private static Optional<String> duplicate(PlacementSpec spec, List<Candidate> feasible) {
        for (List<Candidate> group : groups(feasible)) {
            if (group.size() >= spec.minClouds()) {
                for (Candidate c : group.subList(0, Math.min(group.size(), spec.maxClouds()))) {
                    give(c, Math.min(spec.replicas(), c.capacity()));
                }
                for (Candidate c : group.subList(Math.min(group.size(), spec.maxClouds()), group.size())) {
                    c.reasons.add("passed, beyond maxClouds " + spec.maxClouds());
                }
                return Optional.empty();
            }
        }
        return Optional.of(feasible.isEmpty() ? "no cloud passed the filters"
                : "no affinity group has the " + spec.minClouds() + " clouds spread.minClouds asks for");
    }

    /** Shares {@code replicas} among the clouds, taking groups in order until they have room for all. */
    private static Optional<String> divide(PlacementSpec spec, List<Candidate> feasible) {
        if (feasible.isEmpty()) {
            return Optional.of("no cloud passed the filters");
        }
        List<Candidate> chosen = chooseClouds(spec, feasible);
        if (chosen.size() < spec.minClouds()) {
            return Optional.of("only " + chosen.size() + " cloud(s) can take a replica; spread.minClouds asks for " + spec.minClouds());
        }
        int replicas = spec.replicas();
        if (replicas < spec.minClouds()) {
            return Optional.of(replicas + " replica(s) cannot spread over spread.minClouds " + spec.minClouds() + " clouds");
        }
        int left = switch (spec.weights().kind()) {
            case PACKED -> pack(chosen, replicas, spec.minClouds());
            case STATIC -> weighted(chosen, replicas, c -> spec.weights().staticWeights().getOrDefault(c.cloud.name(), 0));
            case CAPACITY -> weighted(chosen, replicas, c -> c.capacity() - c.replicas);
        };
        spreadOver(chosen, spec.minClouds());
        if (left > 0) {
            chosen.get(0).reasons.add("only " + (replicas - left) + " of " + replicas + " replicas placed: no more room");
        }
        return Optional.empty();
    }

    /**
     * The clouds divided replicas may go to: the best of each group in order until there is room
     * for them all, at most maxClouds; for static weights, only clouds with a weight.
     */
    private static List<Candidate> chooseClouds(PlacementSpec spec, List<Candidate> feasible) {
        List<Candidate> chosen = new ArrayList<>();
        int room = 0;
        for (Candidate c : feasible) {
            if (spec.weights().kind() == Weights.Kind.STATIC && spec.weights().staticWeights().getOrDefault(c.cloud.name(), 0) == 0) {
                c.reasons.add("passed, no weight in placement.weights");
            } else if (chosen.size() >= spec.maxClouds()) {
                c.reasons.add("passed, beyond spread.maxClouds " + spec.maxClouds());
            } else if (room >= spec.replicas() && chosen.size() >= spec.minClouds() && c.group > chosen.getLast().group) {
                c.reasons.add("passed, not needed: an earlier affinity group has room for every replica");
            } else {
                chosen.add(c);
                room += c.capacity();
            }
        }
        return chosen;
    }

    /** The best clouds first, each as full as it goes, after one replica each to the first {@code minClouds}. */
    private static int pack(List<Candidate> chosen, int replicas, int minClouds) {
        for (Candidate c : chosen.subList(0, minClouds)) {
            give(c, 1);
        }
        int left = replicas - minClouds;
        for (Candidate c : chosen) {
            int n = Math.min(left, c.capacity() - c.replicas);
            give(c, n);
            left -= n;
        }
        return left;
    }

    /** Largest-remainder shares of {@code left} by weight, capped by room; what a full cloud cannot take goes round again. */
    private static int weighted(List<Candidate> chosen, int left, ToDoubleFunction<Candidate> weight) {
        while (left > 0) {
            List<Candidate> open = chosen.stream().filter(c -> c.replicas < c.capacity() && weight.applyAsDouble(c) > 0).toList();
            double total = open.stream().mapToDouble(weight).sum();
            if (open.isEmpty() || total <= 0) {
                return left;
            }
            double[] weights = open.stream().mapToDouble(weight).toArray();
            int round = left;
            int given = 0;
            List<double[]> remainders = new ArrayList<>();
            for (int i = 0; i < open.size(); i++) {
                double share = round * weights[i] / total;
                int n = Math.min((int) share, open.get(i).capacity() - open.get(i).replicas);
                give(open.get(i), n);
                given += n;
                remainders.add(new double[] {share - Math.floor(share), i});
            }
            remainders.sort(Comparator.comparingDouble((double[] r) -> -r[0]).thenComparingDouble(r -> r[1]));
            for (double[] r : remainders) {
                Candidate c = open.get((int) r[1]);
                if (given < round && c.replicas < c.capacity()) {
                    give(c, 1);
                    given++;
                }
            }
            if (given == 0) {
                return left;
            }
            left -= given;
        }
        return 0;
    }

    /** Moves replicas from the clouds with most to the chosen ones with none until {@code minClouds} have some. */
    private static void spreadOver(List<Candidate> chosen, int minClouds) {
        while (chosen.stream().filter(c -> c.replicas > 0).count() < minClouds) {
            Candidate donor = chosen.stream().max(Comparator.comparingInt(c -> c.replicas)).orElseThrow();
            Candidate empty = chosen.stream().filter(c -> c.replicas == 0).findFirst().orElseThrow();
            donor.replicas--;
            empty.replicas++;
        }
    }

    private static void give(Candidate c, int n) {
        c.replicas += n;
    }

    private static List<List<Candidate>> groups(List<Candidate> sorted) {
        List<List<Candidate>> groups = new ArrayList<>();
        for (Candidate c : sorted) {
            if (groups.isEmpty() || groups.getLast().getFirst().group != c.group) {
                groups.add(new ArrayList<>());
            }
            groups.getLast().add(c);
        }
        return groups;
    }
}
