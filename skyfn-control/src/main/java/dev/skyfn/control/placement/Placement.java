package dev.skyfn.control.placement;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where an app runs, and why: the scheduler's decision together with its verdict on every cloud.
 *
 * @param assignments the clouds taken, best first
 * @param verdicts    every cloud of the topology, in its order, taken or not and why
 * @param problem     why the app could not be placed as asked, when it could not
 */
public record Placement(List<Assignment> assignments, List<Verdict> verdicts, Optional<String> problem) {

    public Placement {
        assignments = List.copyOf(assignments);
        verdicts = List.copyOf(verdicts);
    }

    /** The app's replicas on one cloud, with the memory and environment overrides give them there. */
    public record Assignment(String cloud, List<String> nodes, int memoryMb, Map<String, String> env) {
        public Assignment {
            nodes = List.copyOf(nodes);
            env = Map.copyOf(env);
        }
    }

    /**
     * The scheduler's view of one cloud.
     *
     * @param group    the affinity group it falls in, if any
     * @param score    how good a home it is (lower is better), when it passed the filters
     * @param parts    what the score is made of: cost, latency, load, each from 0 to 1
     * @param replicas how many replicas it got
     * @param reasons  why it was refused, or why it got what it got
     */
    public record Verdict(String cloud, Optional<String> group, Optional<Double> score, Map<String, Double> parts,
                          int replicas, List<String> reasons) {
        public Verdict {
            parts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parts));
            reasons = List.copyOf(reasons);
        }

        public boolean taken() {
            return replicas > 0;
        }
    }

    /** Every node that serves the app. */
    public List<String> nodes() {
        return assignments.stream().flatMap(a -> a.nodes().stream()).toList();
    }

    public boolean placed() {
        return !assignments.isEmpty() && problem.isEmpty();
    }

    /**
     * Why the app got fewer replicas than its placement asks, if it did: the problem, or what the
     * clouds taken say of their room.
     */
    public Optional<String> shortfall() {
        if (problem.isPresent()) {
            return problem;
        }
        List<String> said = verdicts.stream().filter(Verdict::taken).flatMap(v -> v.reasons().stream().map(r -> v.cloud() + ": " + r)).toList();
        return said.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", said));
    }
}
