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
 * node), so an app short of {@code n} replicas needs {@code n} nodes in clouds it may run on; but
 * one node takes a replica of each of several apps as far as its memory goes, so the nodes one app
 * counts on — idle, on their way, or asked for in this plan — are counted by the next too, with
 * the memory the first left them.
 * <ul>
 *   <li>Capacity there already counts first: elastic nodes ready but serving nothing in a cloud the
 *       app may use, then nodes requested or booting in the clouds that start fastest.</li>
 *   <li>What is still missing is asked of the app's first affinity group that has room, then the
 *       next (a group at capacity overflows, as placement does); within a group, of the clouds
 *       that start fastest first (warm capacity, containers, the edge before VMs: the seed's
 *       heterogeneous start-up), as far as each has room under its {@code maxNodes}.</li>
 *   <li>Beside the fast capacity, the group's cheapest cloud, if it starts more slowly and costs at
 *       least a fifth less, is asked for as many nodes: the burst is absorbed where capacity comes
 *       up fast, the load that stays moves to the cheap nodes once they are up (a move for price),
 *       and the dear ones, idle, go back.</li>
 *   <li>An elastic node that has served nothing for {@code releaseAfter} is drained, unless an
 *       app short of replicas may use it. (The caller counts that time from the end of the last
 *       move of an app to its cloud: a node that joined as an app moved onto another is kept for the next move.)</li>
 *   <li>A spot market that took a node back lately is <em>cooling</em>: it is asked for nodes only
 *       when no other cloud of the group has room, and is never the steady cloud — the replacement
 *       goes to the next market, spot first if it is the cheaper, else on demand (SkyPilot's
 *       "next region" on a preemption, Yang et al., NSDI'23). So is a cloud failing its health checks
 *       ({@link dev.skyfn.control.placement.CloudHealth}).</li>
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
     * @param cooling      whether it took a node back within its cool-down ({@link dev.skyfn.core.cloud.Pricing#coolDown}),
     *                     or fails its health checks
     * @param nodeMemoryMb the memory of one of its elastic nodes, MB: what the replicas of several apps share
     */
    public record CloudRoom(String cloud, Duration startup, double pricePerHour, int room, int coming, boolean cooling, int nodeMemoryMb) {
    }

    /**
     * An app short of replicas.
     *
     * @param app      the app ({@code tenant/app}): never two of its replicas on one node
     * @param why      what it lacks them for, as the plan's reasons say: the app, or its {@code onDemandFloor}
     * @param missing  how many more replicas it should have than it has
     * @param groups   the clouds it may run on, by affinity group in the app's order, each group's best first
     * @param memoryMb the memory one replica takes on a node, MB
     */
    public record Shortfall(String app, String why, int missing, List<List<String>> groups, int memoryMb) {
        public Shortfall {
            groups = groups.stream().map(List::copyOf).toList();
        }

        /** An app whose clouds are all in one group, lacking replicas for itself, taking no memory worth counting. */
        public static Shortfall of(String app, int missing, List<String> clouds) {
            return new Shortfall(app, app, missing, List.of(clouds), 0);
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
        Nodes nodes = new Nodes(byName);
        Map<String, Integer> room = new HashMap<>();
        for (CloudRoom c : clouds) {
            room.put(c.cloud(), c.room());
            for (int i = 0; i < c.coming(); i++) {
                nodes.add(nodes.coming, c.cloud());
            }
        }
        idle.forEach(n -> nodes.add(nodes.ready, n.cloud()));

        Map<String, Integer> asked = new java.util.LinkedHashMap<>();
        Map<String, List<String>> reasons = new HashMap<>();
        for (Shortfall s : shortfalls) {
            // nodes ready and serving nothing take replicas at once, wherever the app may run
            int need = s.missing() - nodes.take(nodes.ready, s.clouds(), s.missing(), s);
            boolean steadyAsked = false;
            // an affinity group before the next, as placement overflows
            for (List<String> group : s.groups()) {
                // markets cooling after a preemption last, then the fastest
                List<String> inGroup = group.stream().filter(byName::containsKey)
                        .sorted(Comparator.comparing((String c) -> byName.get(c).cooling()).thenComparing(c -> byName.get(c).startup()))
                        .toList();
                if (need == 0 || inGroup.isEmpty()) {
                    continue;
                }
                // the fast goal: the group's fastest clouds' nodes on their way count, the rest is asked of the fastest with room
                CloudRoom first = byName.get(inGroup.getFirst());
                List<String> fast = inGroup.stream().filter(c -> byName.get(c).startup().equals(first.startup())
                        && byName.get(c).cooling() == first.cooling()).toList();
                int wanted = need;
                need -= nodes.take(nodes.coming, fast, need, s);
                for (String cloud : inGroup) {
                    int n = Math.min(need, room.getOrDefault(cloud, 0));
                    if (n > 0) {
                        room.merge(cloud, -n, Integer::sum);
                        asked.merge(cloud, n, Integer::sum);
                        nodes.asked(cloud, n, s);
                        reasons.computeIfAbsent(cloud, c -> new ArrayList<>()).add(s.why() + " lacks " + wanted + " replica(s); "
                                + cloud + " starts a node in " + seconds(byName.get(cloud).startup()) + ", the fastest with room in its group"
                                + (byName.get(cloud).cooling() ? " (though it took a node back lately: no other has room)" : ""));
                        need -= n;
                    }
                }
                if (!steadyAsked) {
                    steadyAsked = steady(s, inGroup, fast, byName, nodes, room, asked, reasons);
                }
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
     * The steady goal: while the group's fastest clouds absorb a burst, its cheapest cloud, when it
     * starts more slowly and costs at least {@link #CHEAPER_BY} less than the fastest, is to hold
     * all the replicas the app lacks, for the load that stays; its nodes ready or on their way
     * count. Once they are up the app moves there (a move for price) and the fast, dear nodes,
     * idle, go back. Whether the group has such a cloud.
     */
    private static boolean steady(Shortfall s, List<String> inGroup, List<String> fast, Map<String, CloudRoom> byName, Nodes nodes,
                                  Map<String, Integer> room, Map<String, Integer> asked, Map<String, List<String>> reasons) {
        CloudRoom fastest = byName.get(fast.getFirst());
        String cheap = inGroup.stream().filter(c -> !fast.contains(c) && !byName.get(c).cooling())
                .min(Comparator.comparingDouble((String c) -> byName.get(c).pricePerHour())).orElse(null);
        if (cheap == null || !(byName.get(cheap).pricePerHour() < fastest.pricePerHour() * (1 - CHEAPER_BY))) {
            return false;
        }
        int need = s.missing() - nodes.take(nodes.ready, List.of(cheap), s.missing(), s);
        need -= nodes.take(nodes.coming, List.of(cheap), need, s);
        int n = Math.min(need, room.getOrDefault(cheap, 0));
        if (n > 0) {
            room.merge(cheap, -n, Integer::sum);
            asked.merge(cheap, n, Integer::sum);
            nodes.asked(cheap, n, s);
            reasons.computeIfAbsent(cheap, c -> new ArrayList<>()).add(String.format(java.util.Locale.ROOT,
                    "%s lacks %d replica(s); the load that stays moves to %s once its nodes are up in %s ($%.4f an hour against $%.4f)",
                    s.why(), s.missing(), cheap, seconds(byName.get(cheap).startup()), byName.get(cheap).pricePerHour(),
                    fastest.pricePerHour()));
        }
        return true;
    }

    /**
     * The nodes replicas may go to in this plan, by cloud: idle ones ({@code ready}), and those on
     * their way or asked for now ({@code coming}); each with the apps counted on it and the memory
     * they leave.
     */
    private static final class Nodes {
        final Map<String, List<Node>> ready = new HashMap<>();
        final Map<String, List<Node>> coming = new HashMap<>();
        private final Map<String, CloudRoom> clouds;

        Nodes(Map<String, CloudRoom> clouds) {
            this.clouds = clouds;
        }

        /** A node of {@code cloud} holding nothing yet, put in {@code pool}. */
        Node add(Map<String, List<Node>> pool, String cloud) {
            CloudRoom c = clouds.get(cloud);
            Node node = new Node(c == null ? 0 : c.nodeMemoryMb());
            pool.computeIfAbsent(cloud, k -> new ArrayList<>()).add(node);
            return node;
        }

        /** {@code n} nodes asked of {@code cloud} now for {@code s}: later apps count on them too. */
        void asked(String cloud, int n, Shortfall s) {
            for (int i = 0; i < n; i++) {
                add(coming, cloud).holds(s);
            }
        }

        /** Counts up to {@code n} nodes of {@code pool} in {@code clouds}, in their order, for one replica of {@code s} each; how many. */
        int take(Map<String, List<Node>> pool, List<String> clouds, int n, Shortfall s) {
            int taken = 0;
            for (String cloud : clouds) {
                for (Node node : pool.getOrDefault(cloud, List.of())) {
                    if (taken < n && node.fits(s)) {
                        node.holds(s);
                        taken++;
                    }
                }
            }
            return taken;
        }
    }

    /** A node counted on in a plan: the apps given one of its replicas, and the memory left. */
    private static final class Node {
        private final java.util.Set<String> apps = new java.util.HashSet<>();
        private int freeMb;

        Node(int memoryMb) {
            this.freeMb = memoryMb;
        }

        boolean fits(Shortfall s) {
            return !apps.contains(s.app()) && freeMb >= s.memoryMb();
        }

        void holds(Shortfall s) {
            apps.add(s.app());
            freeMb -= s.memoryMb();
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
