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
import java.util.stream.Stream;

/**
 * Places an app's replicas on clouds and nodes: a pure function of the app's placement, the
 * topology and what the nodes last reported. Clouds are filtered (trust, hardware, latency,
 * price, affinity, room), scored (cost, then latency from users, then load; lower is better),
 * and replicas are duplicated to or divided among the best, group by group. Placing an app again
 * after its nodes changed keeps the replicas it has on live nodes and fills what is missing the
 * same way.
 */
public final class Scheduler {

    static final double COST_WEIGHT = 0.5;
    static final double LATENCY_WEIGHT = 0.4;
    static final double LOAD_WEIGHT = 0.1;

    private Scheduler() {
    }

    /** Places an app afresh; nothing placed when the placement cannot be met ({@link Placement#problem()} says why). */
    public static Placement place(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes) {
        return replace(spec, memoryMb, topology, nodes, List.of(), Callers.NONE);
    }

    /**
     * Places an app afresh for {@code callers}: a cloud's latency is its mean to them rather than to
     * every user region alike (or the one the app's latency SLO names, which still filters).
     */
    public static Placement place(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes, Callers callers) {
        return replace(spec, memoryMb, topology, nodes, List.of(), callers);
    }

    /**
     * The clouds the app may run on as far as its requirements and affinity groups go, whatever
     * room their nodes have now: where a node acquired for it would be of use. By affinity group
     * in the app's order, each group's best first as {@link #place} would rank them (cost, latency; no load).
     */
    public static List<List<String>> eligible(PlacementSpec spec, int memoryMb, Topology topology) {
        // every cloud given one idle node with room enough: what is left out is left out for the app's own reasons
        List<NodeStatus> roomy = topology.clouds().stream().map(c -> new NodeStatus("", c.name(), true, Integer.MAX_VALUE, 0)).toList();
        List<Candidate> feasible = topology.clouds().stream().map(c -> Candidate.of(c, spec, memoryMb, topology, roomy, List.of(),
                        Callers.NONE))
                .filter(Candidate::feasible).toList();
        Candidate.score(feasible);
        List<Candidate> sorted = feasible.stream().sorted(Comparator.comparingInt((Candidate c) -> c.group).thenComparingDouble(c -> c.score)
                .thenComparing(c -> c.cloud.name())).toList();
        return groups(sorted).stream().map(g -> g.stream().map(c -> c.cloud.name()).toList()).toList();
    }

    /**
     * The {@code replicas} of the {@code current} nodes an app keeps when it has fewer replicas:
     * those in the cheapest clouds (per busy second at the topology's prices), the nodes a cloud
     * always has before its elastic ones (which can then be given back), then in their order —
     * but {@code onDemandFloor} of them (or all) on clouds that are not spot, as far as it has such.
     *
     * @param cloudOf each node's cloud
     * @param elastic whether a node is one a cloud gave on demand
     */
    public static List<String> shrink(List<String> current, int replicas, int memoryMb, Topology topology,
                                      java.util.function.Function<String, String> cloudOf, java.util.function.Predicate<String> elastic,
                                      int onDemandFloor) {
        List<String> order = current.stream().sorted(Comparator
                .comparingDouble((String n) -> topology.cloud(cloudOf.apply(n)).map(c -> c.pricing().perBusySecond(memoryMb))
                        .orElse(Double.MAX_VALUE))
                .thenComparing(elastic::test)
                .thenComparingInt(current::indexOf)).toList();
        int keep = Math.max(0, Math.min(replicas, order.size()));
        List<String> steady = order.stream().filter(n -> topology.cloud(cloudOf.apply(n)).map(c -> !c.pricing().spot()).orElse(false))
                .limit(Math.min(onDemandFloor, keep)).toList();
        List<String> rest = order.stream().filter(n -> !steady.contains(n)).limit(keep - steady.size()).toList();
        return order.stream().filter(n -> steady.contains(n) || rest.contains(n)).toList();
    }

    /**
     * Places an app again that runs on the {@code current} nodes, moving none of its replicas that
     * need not move: each replica on a node {@code nodes} reports alive, in a cloud that still
     * passes the app's filters, is kept (a cold start and a warm sandbox saved), and the replicas
     * the app lacks (lost with a dead node, or never placed for want of room) are added as
     * {@link #place} would choose them, among the nodes not used yet: same filters, groups,
     * scheduling, spread and weights, counting the kept replicas. With nothing kept this is
     * {@link #place}. When the placement cannot be met, the assignments hold the kept replicas
     * alone; {@link Placement#shortfall()} says what is missing, then and whenever room ran out.
     *
     * @param current the nodes the app runs on now, best first
     */
    public static Placement replace(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes,
                                    Collection<String> current) {
        return replace(spec, memoryMb, topology, nodes, current, Callers.NONE);
    }

    private static Placement replace(PlacementSpec spec, int memoryMb, Topology topology, Collection<NodeStatus> nodes,
                                     Collection<String> current, Callers callers) {
        List<Candidate> all = new ArrayList<>();
        for (Cloud cloud : topology.clouds()) {
            all.add(Candidate.of(cloud, spec, memoryMb, topology, nodes, current, callers));
        }
        List<Candidate> feasible = all.stream().filter(Candidate::feasible).toList();
        Candidate.score(feasible);
        feasible = feasible.stream().sorted(Comparator.comparingInt((Candidate c) -> c.group)
                .thenComparingDouble(c -> c.score).thenComparing(c -> c.cloud.name())).toList();
        Optional<String> problem = spec.scheduling() == Scheduling.DUPLICATED ? duplicate(spec, feasible) : divide(spec, feasible);
        if (problem.isEmpty() && spec.scheduling() == Scheduling.DIVIDED && spec.onDemandFloor() > 0) {
            holdFloor(spec.onDemandFloor(), feasible);
        }
        for (Candidate c : feasible) {
            if (c.replicas == 0 && c.reasons.isEmpty()) {
                c.reasons.add("passed, not needed: the replicas went to better clouds");
            }
        }
        // a placement that cannot be met gave no replica: a fresh one has none then, a replacement its kept ones
        List<Placement.Assignment> taken = feasible.stream().filter(c -> c.replicas > 0)
                .map(c -> new Placement.Assignment(c.cloud.name(), c.nodes.subList(0, c.replicas), c.memoryMb, c.env)).toList();
        return new Placement(taken, all.stream().map(c -> c.verdict(spec)).toList(), problem);
    }

    /**
     * Every cloud of the first group with enough of them gets {@code replicas}, as far as its nodes
     * go. An app that keeps replicas stays in their group, their clouds first: another group would
     * move them.
     */
    private static Optional<String> duplicate(PlacementSpec spec, List<Candidate> feasible) {
        List<List<Candidate>> groups = groups(feasible);
        Optional<List<Candidate>> keeping = groups.stream().filter(g -> g.stream().anyMatch(Candidate::keeps)).findFirst();
        for (List<Candidate> group : keeping.map(List::of).orElse(groups)) {
            if (group.size() >= spec.minClouds()) {
                List<Candidate> order = Stream.concat(group.stream().filter(Candidate::keeps), group.stream().filter(c -> !c.keeps())).toList();
                int clouds = Math.min(order.size(), Math.max(spec.maxClouds(), (int) order.stream().filter(Candidate::keeps).count()));
                for (Candidate c : order.subList(0, clouds)) {
                    give(c, Math.max(0, Math.min(spec.replicas(), c.capacity()) - c.replicas));
                    if (c.replicas < spec.replicas()) {
                        c.reasons.add("only " + c.replicas + " of " + spec.replicas() + " replicas placed: no more room");
                    }
                }
                for (Candidate c : order.subList(clouds, order.size())) {
                    c.reasons.add("passed, beyond maxClouds " + spec.maxClouds());
                }
                return Optional.empty();
            }
        }
        if (keeping.isPresent()) {
            return Optional.of("the affinity group of the app's live replicas has " + keeping.get().size()
                    + " cloud(s) that can take one; spread.minClouds asks for " + spec.minClouds());
        }
        return Optional.of(feasible.isEmpty() ? "no cloud passed the filters"
                : "no affinity group has the " + spec.minClouds() + " clouds spread.minClouds asks for");
    }

    /**
     * Shares {@code replicas} among the clouds, taking groups in order until they have room for
     * all; kept replicas count towards the share of their clouds.
     */
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
     * The clouds divided replicas may go to: those that keep replicas, then the best of each group
     * in order until there is room for them all, at most maxClouds; for static weights, only clouds
     * with a weight. Best first.
     */
    private static List<Candidate> chooseClouds(PlacementSpec spec, List<Candidate> feasible) {
        List<Candidate> chosen = new ArrayList<>(feasible.stream().filter(Candidate::keeps).toList());
        int room = chosen.stream().mapToInt(Candidate::capacity).sum();
        for (Candidate c : feasible) {
            if (c.keeps()) {
                continue;
            }
            int lastGroup = chosen.stream().mapToInt(k -> k.group).max().orElse(-1);
            if (spec.weights().kind() == Weights.Kind.STATIC && spec.weights().staticWeights().getOrDefault(c.cloud.name(), 0) == 0) {
                c.reasons.add("passed, no weight in placement.weights");
            } else if (chosen.size() >= spec.maxClouds()) {
                c.reasons.add("passed, beyond spread.maxClouds " + spec.maxClouds());
            } else if (room >= spec.replicas() && chosen.size() >= spec.minClouds() && c.group > lastGroup) {
                c.reasons.add("passed, not needed: an earlier affinity group has room for every replica");
            } else {
                chosen.add(c);
                room += c.capacity();
            }
        }
        return feasible.stream().filter(chosen::contains).toList();
    }

    /** The best clouds first, each as full as it goes, after one replica each to the first {@code minClouds}. */
    private static int pack(List<Candidate> chosen, int replicas, int minClouds) {
        for (Candidate c : chosen) {
            if (c.replicas == 0 && spread(chosen) < minClouds) {
                give(c, 1);
            }
        }
        int left = Math.max(0, replicas - held(chosen));
        for (Candidate c : chosen) {
            int n = Math.min(left, c.capacity() - c.replicas);
            give(c, n);
            left -= n;
        }
        return left;
    }

    /**
     * Largest-remainder shares by weight of all the replicas, less what each cloud holds already,
     * capped by room; what a full cloud cannot take goes round again.
     */
    private static int weighted(List<Candidate> chosen, int replicas, ToDoubleFunction<Candidate> weight) {
        int left = Math.max(0, replicas - held(chosen));
        while (left > 0) {
            List<Candidate> open = chosen.stream().filter(c -> c.replicas < c.capacity() && weight.applyAsDouble(c) > 0).toList();
            double total = open.stream().mapToDouble(weight).sum();
            if (open.isEmpty() || total <= 0) {
                return left;
            }
            double[] weights = open.stream().mapToDouble(weight).toArray();
            // the open clouds are to hold this many in all, each by its weight
            int target = left + held(open);
            int given = 0;
            List<double[]> remainders = new ArrayList<>();
            for (int i = 0; i < open.size(); i++) {
                Candidate c = open.get(i);
                double share = target * weights[i] / total - c.replicas;
                if (share <= 0) {
                    continue;
                }
                int n = Math.min(Math.min((int) share, c.capacity() - c.replicas), left - given);
                give(c, n);
                given += n;
                remainders.add(new double[] {share - Math.floor(share), i});
            }
            remainders.sort(Comparator.comparingDouble((double[] r) -> -r[0]).thenComparingDouble(r -> r[1]));
            for (double[] r : remainders) {
                Candidate c = open.get((int) r[1]);
                if (given < left && c.replicas < c.capacity()) {
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

    /**
     * Moves replicas from the clouds with most to the chosen ones with none until {@code minClouds}
     * have some; kept replicas do not move.
     */
    private static void spreadOver(List<Candidate> chosen, int minClouds) {
        while (spread(chosen) < minClouds) {
            Optional<Candidate> donor = chosen.stream().filter(c -> c.replicas > c.kept.size())
                    .max(Comparator.comparingInt(c -> c.replicas));
            Optional<Candidate> empty = chosen.stream().filter(c -> c.replicas == 0).findFirst();
            if (donor.isEmpty() || empty.isEmpty()) {
                return;
            }
            donor.get().replicas--;
            empty.get().replicas++;
        }
    }

    /**
     * Keeps {@code floor} of the replicas (all, when there are fewer) on clouds that are not spot:
     * replicas move from the worst spot clouds to the best others with room, whatever their
     * affinity group and the clouds' count — like an EC2 Auto Scaling group's on-demand base
     * capacity, the floor outranks both. Not the keeping of live replicas, though: an app that
     * runs on spot nodes moves off them as a move does ({@link Rebalance}), its new replica warm
     * before an old one goes. Said on the best spot cloud when the floor is not met.
     */
    private static void holdFloor(int floor, List<Candidate> feasible) {
        List<Candidate> steady = feasible.stream().filter(c -> !spot(c)).toList();
        List<Candidate> spot = feasible.stream().filter(Scheduler::spot).toList().reversed();
        int want = Math.min(floor, held(feasible));
        while (held(steady) < want) {
            Optional<Candidate> to = steady.stream().filter(c -> c.replicas < c.capacity()).findFirst();
            Optional<Candidate> from = spot.stream().filter(c -> c.replicas > c.kept.size()).findFirst();
            if (to.isEmpty() || from.isEmpty()) {
                spot.reversed().stream().filter(c -> c.replicas > 0).findFirst().ifPresent(c -> c.reasons.add("onDemandFloor "
                        + floor + ": only " + held(steady) + " replica(s) off spot clouds" + (to.isEmpty() ? ", no room for more" : "")));
                return;
            }
            from.get().replicas--;
            to.get().replicas++;
            to.get().reasons.removeIf(r -> r.startsWith("passed"));
        }
    }

    private static boolean spot(Candidate c) {
        return c.cloud.pricing().spot();
    }

    /** How many of the clouds hold a replica. */
    private static long spread(List<Candidate> clouds) {
        return clouds.stream().filter(c -> c.replicas > 0).count();
    }

    /** How many replicas the clouds hold. */
    private static int held(List<Candidate> clouds) {
        return clouds.stream().mapToInt(c -> c.replicas).sum();
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
