package dev.skyfn.core.manifest;

import dev.skyfn.core.Fields;
import dev.skyfn.core.Names;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.core.manifest.PlacementSpec.AffinityGroup;
import dev.skyfn.core.manifest.PlacementSpec.MaxLatency;
import dev.skyfn.core.manifest.PlacementSpec.Requirements;
import dev.skyfn.core.manifest.PlacementSpec.Selector;
import dev.skyfn.core.manifest.PlacementSpec.Weights;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/** Reads the manifest's {@code placement} mapping. */
final class PlacementReader {

    private static final Set<String> PLACEMENT = Set.of("affinity", "require", "spread", "replicas", "scheduling",
            "weights", "overrides");
    private static final Set<String> GROUP = Set.of("name", "clouds", "labels");
    private static final Set<String> REQUIRE = Set.of("trust", "hardware", "maxLatency", "maxPrice");
    private static final Set<String> LATENCY = Set.of("from", "ms");
    private static final Set<String> SPREAD = Set.of("minClouds", "maxClouds");
    private static final Set<String> OVERRIDE = Set.of("clouds", "labels", "memory", "env");
    private static final int MAX_REPLICAS = 10_000;
    private static final int MAX_CLOUDS = 1_000;

    private PlacementReader() {
    }

    static PlacementSpec read(Fields app) {
        if (!app.has("placement")) {
            return PlacementSpec.DEFAULT;
        }
        Fields p = app.object("placement", "a mapping with the app's affinity, requirements, spread and replicas").only(PLACEMENT);
        int minClouds = 1;
        int maxClouds = Integer.MAX_VALUE;
        if (p.has("spread")) {
            Fields spread = p.object("spread", "a mapping with minClouds and maxClouds").only(SPREAD);
            minClouds = spread.integer("minClouds", 1, 1, MAX_CLOUDS);
            maxClouds = spread.integer("maxClouds", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
            if (maxClouds < minClouds) {
                throw spread.fail("maxClouds", maxClouds + " is less than minClouds " + minClouds);
            }
        }
        PlacementSpec.Scheduling scheduling = p.choice("scheduling", PlacementSpec.Scheduling.class, PlacementSpec.Scheduling.DIVIDED);
        Weights weights = weights(p);
        if (scheduling == PlacementSpec.Scheduling.DUPLICATED && weights.kind() != Weights.Kind.PACKED) {
            throw p.fail("weights", "only divided replicas are weighted; duplicated ones go to every chosen cloud");
        }
        return new PlacementSpec(affinity(p), requirements(p), minClouds, maxClouds, p.integer("replicas", 1, 1, MAX_REPLICAS),
                scheduling, weights, overrides(p), 0);
    }

    private static List<AffinityGroup> affinity(Fields p) {
        if (!p.has("affinity")) {
            return List.of();
        }
        if (!p.get("affinity").isArray() || p.get("affinity").isEmpty()) {
            throw p.fail("affinity", "expected a list of groups of clouds, in the order they are preferred");
        }
        List<AffinityGroup> groups = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int i = 0;
        for (var item : p.get("affinity")) {
            Fields g = Fields.of(item, p.path("affinity") + "[" + i++ + "]", "a mapping with the group's name, clouds or labels",
                    ManifestException::new).only(GROUP);
            String name = g.text("name", "group-" + i);
            if (!names.add(name)) {
                throw g.fail("name", "'" + name + "' names two groups");
            }
            Selector selector = selector(g);
            if (selector.clouds().isEmpty() && selector.labels().isEmpty()) {
                throw g.fail("clouds", "a group needs clouds or labels to select them by");
            }
            groups.add(new AffinityGroup(name, selector));
        }
        return groups;
    }

    private static Selector selector(Fields f) {
        Set<String> clouds = new LinkedHashSet<>(f.texts("clouds"));
        for (String cloud : clouds) {
            if (!Names.isAppName(cloud)) {
                throw f.fail("clouds", "'" + cloud + "' is not a cloud name");
            }
        }
        Map<String, Set<String>> labels = new LinkedHashMap<>();
        if (f.has("labels")) {
            Fields l = f.object("labels", "a mapping of label names to a value or a list of values");
            for (String label : l.names()) {
                labels.put(label, l.get(label).isValueNode() ? Set.of(l.get(label).asText()) : Set.copyOf(l.texts(label)));
            }
        }
        return new Selector(clouds, labels);
    }

    private static Requirements requirements(Fields p) {
        if (!p.has("require")) {
            return Requirements.NONE;
        }
        Fields r = p.object("require", "a mapping with trust, hardware, maxLatency or maxPrice").only(REQUIRE);
        Optional<MaxLatency> latency = r.optionalObject("maxLatency", "a mapping with 'from' (a user region) and 'ms'")
                .map(l -> {
                    l.only(LATENCY);
                    if (!l.has("ms")) {
                        throw l.fail("ms", "missing");
                    }
                    return new MaxLatency(l.text("from"), l.number("ms", 0, 0, 60_000));
                });
        OptionalDouble price = r.has("maxPrice") ? OptionalDouble.of(r.number("maxPrice", 0, 0, 1_000)) : OptionalDouble.empty();
        return new Requirements(r.choice("trust", Trust.class, Trust.UNTRUSTED), Set.copyOf(r.texts("hardware")), latency, price);
    }

    private static Weights weights(Fields p) {
        if (!p.has("weights")) {
            return Weights.PACKED;
        }
        var v = p.get("weights");
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "packed" -> Weights.PACKED;
                case "capacity" -> Weights.CAPACITY;
                default -> throw p.fail("weights", "'" + v.asText() + "' is not packed, capacity or a mapping of clouds to weights");
            };
        }
        Fields w = p.object("weights", "packed, capacity or a mapping of cloud names to whole-number weights");
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (String cloud : w.names()) {
            weights.put(cloud, w.integer(cloud, 0, 0, 1_000_000));
        }
        if (weights.values().stream().allMatch(x -> x == 0)) {
            throw p.fail("weights", "at least one cloud needs a weight above zero");
        }
        return new Weights(Weights.Kind.STATIC, weights);
    }

    private static List<PlacementSpec.Override> overrides(Fields p) {
        if (!p.has("overrides")) {
            return List.of();
        }
        if (!p.get("overrides").isArray()) {
            throw p.fail("overrides", "expected a list of rules, each with clouds or labels and what differs there");
        }
        List<PlacementSpec.Override> overrides = new ArrayList<>();
        int i = 0;
        for (var item : p.get("overrides")) {
            Fields o = Fields.of(item, p.path("overrides") + "[" + i++ + "]", "a mapping with clouds or labels, memory or env",
                    ManifestException::new).only(OVERRIDE);
            Selector where = selector(o);
            if (where.clouds().isEmpty() && where.labels().isEmpty()) {
                throw o.fail("clouds", "a rule needs clouds or labels to say where it applies");
            }
            OptionalInt memory = o.has("memory") ? OptionalInt.of(o.integer("memory", 0, 32, 16_384)) : OptionalInt.empty();
            Map<String, String> env = EnvVars.check(o.textMap("env"), o.path("env"));
            if (memory.isEmpty() && env.isEmpty()) {
                throw o.fail("memory", "a rule needs memory or env to change");
            }
            overrides.add(new PlacementSpec.Override(where, memory, env));
        }
        return overrides;
    }
}
