package dev.skyfn.control.placement;

import dev.skyfn.core.cloud.Topology;
import java.util.Collection;
import java.util.Map;

/**
 * Where an app's callers are: the calls the fleet's gateways took for it lately, by the user
 * region of the topology each came from (the caller's {@code X-Skyfn-Region}, else the region
 * nearest the gateway's cloud). What placement weighs its clouds' latency by, and what moves an
 * app when its users move.
 *
 * @param byRegion calls per user region; regions with none are left out
 */
public record Callers(Map<String, Long> byRegion) {

    /** No calls seen: placement weighs every user region alike, or the one the app's latency SLO names. */
    public static final Callers NONE = new Callers(Map.of());

    public Callers {
        byRegion = Map.copyOf(byRegion);
    }

    /** All calls counted. */
    public long total() {
        return byRegion.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether no call was counted. */
    public boolean none() {
        return total() == 0;
    }

    /**
     * The callers' mean one-way latency to the nearest of {@code clouds} (where gateways send each
     * call), in ms; 0 with no calls or no clouds. Regions the topology does not know are left out.
     */
    public double meanLatency(Topology topology, Collection<String> clouds) {
        long counted = 0;
        double sum = 0;
        for (Map.Entry<String, Long> e : byRegion.entrySet()) {
            if (!topology.regions().contains(e.getKey()) || clouds.isEmpty()) {
                continue;
            }
            sum += e.getValue() * clouds.stream().mapToDouble(c -> topology.latency(e.getKey(), c)).min().orElseThrow();
            counted += e.getValue();
        }
        return counted == 0 ? 0 : sum / counted;
    }

    /** The region with most calls, and its share of all of them; empty with none. */
    java.util.Optional<Map.Entry<String, Double>> busiest() {
        long total = total();
        return byRegion.entrySet().stream().max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .filter(e -> total > 0).map(e -> Map.entry(e.getKey(), e.getValue() / (double) total));
    }
}
