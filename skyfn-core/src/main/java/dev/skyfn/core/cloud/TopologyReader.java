package dev.skyfn.core.cloud;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.Documents;
import dev.skyfn.core.Fields;
import dev.skyfn.core.Names;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and checks a topology file: every cloud complete, every node named once, and a latency
 * for every pair of clouds and every user region and cloud, so placement never guesses.
 */
public final class TopologyReader {

    private static final ObjectMapper YAML = Documents.YAML;
    private static final Set<String> TOP = Set.of("clouds", "users", "latency", "state", "stateReplicas", "stateMirror");
    private static final Set<String> CLOUD = Set.of("provider", "region", "labels", "pricing", "trust", "hardware",
            "startup", "maxNodes", "edge", "nodes");
    private static final Set<String> PRICING = Set.of("model", "gbSecond", "vcpuSecond", "request", "egressGb",
            "preemptionNotice", "coolDown");
    private static final Set<String> NODE = Set.of("cpus", "memory");
    private static final double MAX_PRICE = 1_000;
    private static final double MAX_LATENCY_MS = 60_000;

    private TopologyReader() {
    }

    public static Topology read(byte[] yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new TopologyException("not valid YAML: " + Documents.why(e));
        } catch (IOException e) {
            throw new TopologyException("unreadable: " + e.getMessage());
        }
        Fields top = Fields.of(root, "", "a mapping with 'clouds', 'users' and 'latency'", TopologyException::new).only(TOP);
        Map<String, Cloud> clouds = clouds(top.object("clouds", "a mapping of cloud names to clouds"));
        String stateCloud = stateCloud(top, clouds);
        return new Topology(clouds, users(top, clouds.keySet()), between(top, clouds.keySet()), stateCloud,
                stateReplicas(top), stateMirror(top, clouds, stateCloud));
    }

    /**
     * The cloud that mirrors the state cloud's streams and buckets, or null. Promoting the mirror
     * takes JetStream's meta group, which every cloud's cluster joins, so a majority of its servers
     * must be outside the state cloud: the mirror cloud's as many as the state cloud's, and a third
     * cloud's to break the tie.
     */
    private static String stateMirror(Fields top, Map<String, Cloud> clouds, String stateCloud) {
        if (!top.has("stateMirror")) {
            return null;
        }
        String name = cluster(top, "stateMirror", clouds, "a mirror");
        if (name.equals(stateCloud)) {
            throw top.fail("stateMirror", "'" + name + "' is the state cloud itself; a mirror must survive its loss");
        }
        if (clouds.values().stream().filter(other -> !other.edge()).count() < 3) {
            throw top.fail("stateMirror", "a third cloud that is not an edge site is needed: promoting the mirror takes a"
                    + " majority of JetStream's servers outside the state cloud");
        }
        return name;
    }

    /** How many copies of skyfn's streams and buckets the state cloud keeps: 1, 3 or 5 (JetStream's quorum wants an odd count). */
    private static int stateReplicas(Fields top) {
        int replicas = top.integer("stateReplicas", 1, 1, 5);
        if (replicas % 2 == 0) {
            throw top.fail("stateReplicas", replicas + ": 1, 3 or 5, so that a majority of the state cloud's servers decides");
        }
        return replicas;
    }

    /**
     * The cloud whose cluster keeps skyfn's streams and buckets: the one named, else the first
     * that is neither an edge site nor spot capacity (which may be taken back) nor a serverless
     * pool (which holds nodes only while they serve calls), trusted first.
     */
    private static String stateCloud(Fields top, Map<String, Cloud> clouds) {
        if (top.has("state")) {
            return cluster(top, "state", clouds, "skyfn's state");
        }
        return clouds.values().stream().filter(c -> !c.edge())
                .min(java.util.Comparator.comparing((Cloud c) -> c.pricing().spot() || c.pricing().perUse())
                        .thenComparing(c -> c.trust() != Trust.TRUSTED))
                .orElseThrow(() -> new TopologyException("clouds: at least one cloud that is not an edge site")).name();
    }

    /** The cloud {@code field} names, which must be one whose cluster can hold {@code what}: not an edge site. */
    private static String cluster(Fields top, String field, Map<String, Cloud> clouds, String what) {
        String name = top.text(field);
        Cloud c = clouds.get(name);
        if (c == null) {
            throw top.fail(field, "no cloud '" + name + "'");
        }
        if (c.edge()) {
            throw top.fail(field, "'" + name + "' is an edge site; " + what + " lives in a cloud's cluster");
        }
        return name;
    }

    private static Map<String, Cloud> clouds(Fields all) {
        Map<String, Cloud> clouds = new LinkedHashMap<>();
        Set<String> nodeNames = new HashSet<>();
        for (String name : all.names()) {
            name(all, name, "cloud");
            Cloud cloud = cloud(name, all.object(name, "a mapping with the cloud's provider, region, pricing and nodes"));
            for (NodeSpec node : cloud.nodes()) {
                if (!nodeNames.add(node.name())) {
                    throw new TopologyException("clouds." + name + ".nodes." + node.name() + ": a node of this name is in another cloud");
                }
            }
            clouds.put(name, cloud);
        }
        if (clouds.isEmpty()) {
            throw new TopologyException("clouds: at least one cloud");
        }
        return clouds;
    }

    private static Cloud cloud(String name, Fields c) {
        c.only(CLOUD);
        List<NodeSpec> nodes = nodes(name, c);
        int maxNodes = c.integer("maxNodes", Math.max(1, nodes.size()), 1, 100_000);
        if (nodes.size() > maxNodes) {
            throw c.fail("nodes", nodes.size() + " nodes, more than maxNodes " + maxNodes);
        }
        return new Cloud(name, c.text("provider"), c.text("region"), c.textMap("labels"),
                pricing(c.object("pricing", "a mapping with the price model and prices")),
                c.choice("trust", Trust.class, Trust.UNTRUSTED), Set.copyOf(c.texts("hardware")),
                c.duration("startup", Duration.ZERO, Duration.ZERO, Duration.ofHours(1)), maxNodes,
                c.has("edge") && edge(c), nodes);
    }

    private static boolean edge(Fields c) {
        if (!c.get("edge").isBoolean()) {
            throw c.fail("edge", "expected true or false");
        }
        return c.get("edge").booleanValue();
    }

    private static Pricing pricing(Fields p) {
        p.only(PRICING);
        Pricing.Model model = p.choice("model", Pricing.Model.class, Pricing.Model.ON_DEMAND);
        Duration notice = p.duration("preemptionNotice", Duration.ZERO, Duration.ZERO, Duration.ofHours(1));
        if (model == Pricing.Model.SPOT && notice.isZero()) {
            throw p.fail("preemptionNotice", "missing: spot capacity is taken back after a notice; say how long it is");
        }
        if (model != Pricing.Model.SPOT && (!notice.isZero() || p.has("coolDown"))) {
            throw p.fail(p.has("coolDown") ? "coolDown" : "preemptionNotice", "only spot capacity is preempted");
        }
        Duration coolDown = model == Pricing.Model.SPOT ? p.duration("coolDown", Pricing.DEFAULT_COOL_DOWN, Duration.ZERO, Duration.ofDays(1))
                : Duration.ZERO;
        return new Pricing(model, p.number("gbSecond", 0, 0, MAX_PRICE), p.number("vcpuSecond", 0, 0, MAX_PRICE),
                p.number("request", 0, 0, MAX_PRICE), p.number("egressGb", 0, 0, MAX_PRICE), notice, coolDown);
    }

    private static List<NodeSpec> nodes(String cloud, Fields c) {
        if (!c.has("nodes")) {
            return List.of();
        }
        Fields all = c.object("nodes", "a mapping of node names to their cpus and memory");
        List<NodeSpec> nodes = new ArrayList<>();
        for (String name : all.names()) {
            name(all, name, "node");
            Fields n = all.object(name, "a mapping with the node's cpus and memory (MiB)").only(NODE);
            nodes.add(new NodeSpec(name, cloud, n.integer("cpus", 2, 1, 4096), n.integer("memory", 4096, 64, 16 << 20)));
        }
        return nodes;
    }

    private static Map<String, Map<String, Double>> users(Fields top, Set<String> clouds) {
        Fields all = top.object("users", "a mapping of user regions to their latency (ms) to each cloud");
        Map<String, Map<String, Double>> users = new HashMap<>();
        for (String region : all.names()) {
            name(all, region, "region");
            Fields row = all.object(region, "a mapping of cloud names to round-trip latency in ms");
            Map<String, Double> latencies = new HashMap<>();
            for (String cloud : clouds) {
                if (!row.has(cloud)) {
                    throw row.fail(cloud, "missing: every user region needs a latency to every cloud");
                }
                latencies.put(cloud, row.number(cloud, 0, 0, MAX_LATENCY_MS));
            }
            row.only(clouds);
            users.put(region, Map.copyOf(latencies));
        }
        if (users.isEmpty()) {
            throw top.fail("users", "at least one user region");
        }
        return users;
    }

    private static Map<String, Map<String, Double>> between(Fields top, Set<String> clouds) {
        Fields all = top.has("latency") ? top.object("latency", "a mapping of cloud names to their latency (ms) to other clouds")
                : Fields.of(YAML.createObjectNode(), "latency", "", TopologyException::new);
        all.only(clouds);
        Map<String, Map<String, Double>> between = new HashMap<>();
        for (String from : all.names()) {
            Fields row = all.object(from, "a mapping of cloud names to round-trip latency in ms").only(clouds);
            Map<String, Double> latencies = new HashMap<>();
            for (String to : row.names()) {
                if (to.equals(from)) {
                    throw row.fail(to, "a cloud's latency to itself is zero; leave it out");
                }
                latencies.put(to, row.number(to, 0, 0, MAX_LATENCY_MS));
            }
            between.put(from, latencies);
        }
        for (String a : clouds) {
            for (String b : clouds) {
                Double ab = between.getOrDefault(a, Map.of()).get(b);
                Double ba = between.getOrDefault(b, Map.of()).get(a);
                if (!a.equals(b) && ab == null && ba == null) {
                    throw new TopologyException("latency." + a + "." + b + ": missing: every pair of clouds needs a latency");
                }
                if (ab != null && ba != null && !ab.equals(ba)) {
                    throw new TopologyException("latency." + a + "." + b + ": " + ab + " ms one way but " + ba
                            + " ms the other; a round trip is the same both ways");
                }
            }
        }
        return between;
    }

    private static void name(Fields parent, String name, String what) {
        if (!Names.isAppName(name)) {
            throw parent.fail(name, "'" + name + "' is not a valid " + what
                    + " name (lower case letters, digits and '-', starting with a letter, at most 63)");
        }
    }
}
