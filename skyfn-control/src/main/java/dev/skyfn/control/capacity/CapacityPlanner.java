package dev.skyfn.control.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which nodes the fleet should ask its clouds for, and which it should give back: a pure function
 * of the apps short of replicas, the clouds' room and start-up times, and the elastic nodes that
 * serve nothing. One replica is one node (a placement puts at most one replica of an app on a
 * node), so an app short of {@code n} replicas needs {@code n} nodes in clouds it may run on.
 * <ul>
 *   <li>Capacity on its way counts first: nodes requested or booting, and elastic nodes ready but
 *       serving nothing, in a cloud the app may use.</li>
 *   <li>What is still missing is asked of the app's first affinity group that has room, then the
 *       next (a group at capacity overflows, as placement does); within a group, of the clouds
 *       that start fastest first (warm capacity, containers, the edge before VMs: the seed's
 *       heterogeneous start-up), as far as each has room under its {@code maxNodes}.</li>
 *   <li>Beside the fast capacity, the group's cheapest cloud, if it starts more slowly and costs at
 *       least a fifth less, is asked for as many nodes: the burst is absorbed where capacity comes
 *       up fast, the load that stays moves to the cheap nodes once they are up (a move for price),
 *       and the dear ones, idle, go back.</li>
 *   <li>An elastic node that has served nothing for {@code releaseAfter} is drained, unless an
 *       app short of replicas may use it.</li>
 * </ul>
 */
public final class CapacityPlanner {

    /** How much cheaper steady capacity must be than the fast capacity of a burst to be booted beside it. */
    static final double CHEAPER_BY = 0.2;

    private CapacityPlanner() {
    }

    /**
     * A cloud as capacity.
     *
     * @param startup      how long a node takes to come up there
     * @param pricePerHour what one of its nodes costs per hour, US dollars
     * @param room         how many more nodes it can give (its maxNodes less the nodes it has and has been asked for)
     * @param coming       its nodes requested or booting
     */
    public record CloudRoom(String cloud, Duration startup, double pricePerHour, int room, int coming) {
    }

    /**
     * An app short of replicas.
     *
     * @param missing how many more replicas it should have than it has
     * @param groups  the clouds it may run on, by affinity group in the app's order, each group's best first
     */
    public record Shortfall(String app, int missing, List<List<String>> groups) {
        public Shortfall {
            groups = groups.stream().map(List::copyOf).toList();
        }

        /** An app whose clouds are all in one group. */
        public static Shortfall of(String app, int missing, List<String> clouds) {
            return new Shortfall(app, missing, List.of(clouds));
        }

        /** Every cloud it may run on. */
        public List<String> clouds() {
            return groups.stream().flatMap(List::stream).toList();
        }
    }

    /** An elastic node that serves no replica, since {@code since}. */
    public record Idle(String node, String cloud, Instant since) {
    }

    /** Nodes to ask a cloud for. */
    public record Acquisition(String cloud, int nodes, String why) {
    }

    /** A node to give back. */
    public record Drain(String node, String cloud, String why) {
    }

    public record Plan(List<Acquisition> acquire, List<Drain> drain) {
        public Plan {
            acquire = List.copyOf(acquire);
            drain = List.copyOf(drain);
        }

        public boolean isEmpty() {
            return acquire.isEmpty() && drain.isEmpty();
        }
    }

    public static Plan plan(List<Shortfall> shortfalls, List<CloudRoom> clouds, List<Idle> idle, Duration releaseAfter, Instant now) {
        Map<String, CloudRoom> byName = new HashMap<>();
        clouds.forEach(c -> byName.put(c.cloud(), c));
        Map<String, Integer> spare = new HashMap<>();
        Map<String, Integer> room = new HashMap<>();
        for (CloudRoom c : clouds) {
            spare.put(c.cloud(), c.coming());
            room.put(c.cloud(), c.room());
        }
        idle.forEach(n -> spare.merge(n.cloud(), 1, Integer::sum));

        Map<String, Integer> asked = new java.util.LinkedHashMap<>();
        Map<String, List<String>> reasons = new HashMap<>();
        for (Shortfall s : shortfalls) {
            int need = s.missing();
            for (String cloud : s.clouds()) {
                int use = Math.min(need, spare.getOrDefault(cloud, 0));
                spare.merge(cloud, -use, Integer::sum);
                need -= use;
            }
            // an affinity group before the next, as placement overflows; within one, the fastest to start first
            for (List<String> group : s.groups()) {
                List<String> fastest = group.stream().filter(byName::containsKey)
                        .sorted(Comparator.comparing((String c) -> byName.get(c).startup())).toList();
                int wanted = need;
                List<String> used = new ArrayList<>();
                for (String cloud : fastest) {
                    int take = Math.min(need, room.getOrDefault(cloud, 0));
                    if (take > 0) {
                        room.merge(cloud, -take, Integer::sum);
                        asked.merge(cloud, take, Integer::sum);
                        reasons.computeIfAbsent(cloud, c -> new ArrayList<>()).add(s.app() + " lacks " + wanted + " replica(s); "
                                + cloud + " starts a node in " + seconds(byName.get(cloud).startup()) + ", the fastest with room in its group");
                        used.add(cloud);
                        need -= take;
                    }
                }
                steady(s.app(), wanted - need, group, used, byName, room, asked, reasons);
            }
        }
        List<Acquisition> acquire = new ArrayList<>();
        asked.forEach((cloud, n) -> acquire.add(new Acquisition(cloud, n, String.join("; ", reasons.get(cloud)))));

        List<Drain> drain = new ArrayList<>();
        for (Idle n : idle) {
            boolean wanted = shortfalls.stream().anyMatch(s -> s.clouds().contains(n.cloud()));
            if (!wanted && !now.isBefore(n.since().plus(releaseAfter))) {
                drain.add(new Drain(n.node(), n.cloud(), "served nothing for " + seconds(Duration.between(n.since(), now))
                        + " (release after " + seconds(releaseAfter) + ")"));
            }
        }
        return new Plan(acquire, drain);
    }

    /**
     * While the fast capacity absorbs a burst, cheaper capacity of the same group that starts more
     * slowly boots for the load that stays: {@code n} nodes more in the group's cheapest cloud, when
     * it is cheaper than every cloud just asked by more than {@link #CHEAPER_BY} and slower to start.
     * Once its nodes are up, the apps move there (a move for price) and the dear nodes, idle, go back.
     */
    private static void steady(String app, int n, List<String> group, List<String> used, Map<String, CloudRoom> byName,
                               Map<String, Integer> room, Map<String, Integer> asked, Map<String, List<String>> reasons) {
        if (n == 0 || used.isEmpty()) {
            return;
        }
        double cheapestUsed = used.stream().mapToDouble(c -> byName.get(c).pricePerHour()).min().orElseThrow();
        Duration fastest = used.stream().map(c -> byName.get(c).startup()).min(Comparator.naturalOrder()).orElseThrow();
        group.stream().filter(byName::containsKey).filter(c -> !used.contains(c) && room.getOrDefault(c, 0) > 0)
                .min(Comparator.comparingDouble((String c) -> byName.get(c).pricePerHour()))
                .filter(c -> byName.get(c).pricePerHour() < cheapestUsed * (1 - CHEAPER_BY) && byName.get(c).startup().compareTo(fastest) > 0)
                .ifPresent(cheap -> {
                    int take = Math.min(n, room.get(cheap));
                    room.merge(cheap, -take, Integer::sum);
                    asked.merge(cheap, take, Integer::sum);
                    reasons.computeIfAbsent(cheap, c -> new ArrayList<>()).add(String.format(java.util.Locale.ROOT,
                            "%s lacks %d replica(s); the load that stays moves to %s once its nodes are up in %s ($%.4f an hour against $%.4f)",
                            app, n, cheap, seconds(byName.get(cheap).startup()), byName.get(cheap).pricePerHour(), cheapestUsed));
                });
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
