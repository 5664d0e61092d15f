package dev.skyfn.core.cloud;

import dev.skyfn.core.Durations;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Spot markets taking nodes back, as a time series replayed from a file: what the emulated clouds
 * of {@code skyfn dev --topology} do to a fleet over a day, for the tests and the benchmarks. A
 * CSV file of lines {@code at,cloud[,node[,notice]]} — {@code at} a time since the replay
 * started ({@code 0s}, {@code 90s}, {@code 2h}); {@code cloud} a spot cloud of the topology;
 * {@code node} the node taken back, or empty for the one of the cloud's running nodes that has
 * run longest (the market's choice, not the fleet's); {@code notice} how long before the machine
 * goes the node hears of it, by default the cloud's {@code preemptionNotice}, {@code 0s} for none.
 * Blank lines and lines starting with {@code #} are skipped; lines are in time order.
 */
public final class PreemptionTrace {

    /** The longest notice a trace may give: no cloud warns longer (Alibaba gives 5 minutes). */
    static final Duration MAX_NOTICE = Duration.ofHours(1);

    /**
     * One node taken back.
     *
     * @param at     since the replay started
     * @param node   the node named, or empty for the cloud's longest running
     * @param notice how long it hears of it before it goes
     */
    public record Preemption(Duration at, String cloud, Optional<String> node, Duration notice) {
    }

    private final List<Preemption> preemptions;

    private PreemptionTrace(List<Preemption> preemptions) {
        this.preemptions = List.copyOf(preemptions);
    }

    /** A trace in which no node is taken back. */
    public static final PreemptionTrace NONE = new PreemptionTrace(List.of());

    /**
     * Reads the lines of a trace file called {@code name}, checking its clouds and nodes against {@code topology}.
     *
     * @throws SkyfnException BAD_REQUEST naming the file, the line and the field that is wrong
     */
    public static PreemptionTrace read(String name, List<String> lines, Topology topology) {
        List<Preemption> preemptions = new ArrayList<>();
        for (TraceLines.Line l : TraceLines.of(name, lines)) {
            String where = l.where();
            String[] f = l.fields();
            if (f.length < 2 || f.length > 4) {
                throw bad(where, "expected at,cloud[,node[,notice]], found " + f.length + " field(s): '" + l.text() + "'");
            }
            Duration at = duration(where + ", field at", f[0]);
            if (!preemptions.isEmpty() && preemptions.getLast().at().compareTo(at) > 0) {
                throw bad(where + ", field at", Durations.format(at) + " comes before " + Durations.format(preemptions.getLast().at())
                        + " on the line before: a trace is in time order");
            }
            Cloud cloud = spotCloud(where, f[1].strip(), topology);
            Optional<String> node = f.length > 2 && !f[2].isBlank() ? Optional.of(node(where, f[2].strip(), cloud, topology)) : Optional.empty();
            Duration notice = f.length > 3 && !f[3].isBlank() ? duration(where + ", field notice", f[3]) : cloud.pricing().preemptionNotice();
            if (notice.compareTo(MAX_NOTICE) > 0) {
                throw bad(where + ", field notice", Durations.format(notice) + " is longer than any cloud warns (at most 1h)");
            }
            preemptions.add(new Preemption(at, cloud.name(), node, notice));
        }
        return new PreemptionTrace(preemptions);
    }

    private static Cloud spotCloud(String where, String name, Topology topology) {
        Cloud cloud = topology.cloud(name).orElseThrow(() -> bad(where + ", field cloud", "no cloud '" + name
                + "' in the topology (its clouds: " + String.join(", ", topology.clouds().stream().map(Cloud::name).toList()) + ")"));
        if (!cloud.pricing().spot()) {
            throw bad(where + ", field cloud", "'" + name + "' is not a spot cloud: only spot capacity is taken back");
        }
        return cloud;
    }

    private static String node(String where, String name, Cloud cloud, Topology topology) {
        if (topology.node(name).filter(n -> n.cloud().equals(cloud.name())).isEmpty()) {
            throw bad(where + ", field node", "no node '" + name + "' in cloud " + cloud.name()
                    + " (listed or one of its maxNodes " + cloud.maxNodes() + ")");
        }
        return name;
    }

    private static Duration duration(String where, String text) {
        try {
            return Durations.parse(text.strip());
        } catch (IllegalArgumentException e) {
            throw bad(where, e.getMessage());
        }
    }

    private static SkyfnException bad(String where, String message) {
        return new SkyfnException(ErrorCode.BAD_REQUEST, "preemption trace " + where + ": " + message);
    }

    /** The preemptions, in time order. */
    public List<Preemption> preemptions() {
        return preemptions;
    }
}
