package dev.skyfn.core.cloud;

import dev.skyfn.core.Fields;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pool of capacity skyfn may run functions on.
 *
 * @param name      unique across the topology
 * @param provider  who runs it: {@code aws}, {@code gcp}, {@code private}, …
 * @param region    where it is, in its provider's terms
 * @param labels    the operator's own labels ({@code tier: public}, …)
 * @param pricing   what running on it costs
 * @param trust     how far it is trusted
 * @param hardware  what special hardware its nodes have ({@code gpu}, {@code sgx}, …)
 * @param startup   how long new capacity takes to start
 * @param maxNodes  how many nodes it can grow to
 * @param edge      whether it is an edge site (attached as a NATS leaf node, not a cluster)
 * @param nodes     its nodes
 */
public record Cloud(String name, String provider, String region, Map<String, String> labels, Pricing pricing,
                    Trust trust, Set<String> hardware, Duration startup, int maxNodes, boolean edge, List<NodeSpec> nodes) {

    public Cloud {
        labels = Map.copyOf(labels);
        hardware = Set.copyOf(hardware);
        nodes = List.copyOf(nodes);
    }

    /**
     * The labels placement selects on: the operator's, plus {@code cloud}, {@code provider},
     * {@code region}, {@code trust}, {@code pricing} and {@code edge} from the cloud's attributes.
     */
    public Map<String, String> allLabels() {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put("cloud", name);
        all.put("provider", provider);
        all.put("region", region);
        all.put("trust", Fields.spelling(trust));
        all.put("pricing", Fields.spelling(pricing.model()));
        all.put("edge", Boolean.toString(edge));
        return all;
    }
}
