package dev.skyfn.core.cloud;

import dev.skyfn.core.Durations;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Clouds' prices as a time series, replayed from a file: what spot markets do to a price over a
 * day, for the emulated fleet, the tests and the benchmarks. A CSV file of lines
 * {@code at,cloud,gbSecond,vcpuSecond} — {@code at} a time since the replay started ({@code 0s},
 * {@code 90s}, {@code 2h}), the prices in US dollars per GiB-second and per vCPU-second — in time
 * order per cloud; blank lines and lines starting with {@code #} are skipped. A cloud's price is
 * the topology's until its first line, then that of its last line at or before the time asked.
 * Only these two prices move; the request and egress prices and the price model stay the
 * topology's.
 */
public final class PriceTrace {

    /** One change of a cloud's price. */
    public record Change(Duration at, String cloud, double gbSecond, double vcpuSecond) {
    }

    private static final double MAX_PRICE = 1_000;

    private final Map<String, List<Change>> byCloud;

    private PriceTrace(Map<String, List<Change>> byCloud) {
        this.byCloud = byCloud;
    }

    /** A trace with no change: every cloud at its topology's price. */
    public static final PriceTrace NONE = new PriceTrace(Map.of());

    /**
     * Reads the lines of a trace file called {@code name}, checking its clouds against {@code topology}.
     *
     * @throws SkyfnException BAD_REQUEST naming the file, the line and the field that is wrong
     */
    public static PriceTrace read(String name, List<String> lines, Topology topology) {
        Map<String, List<Change>> byCloud = new HashMap<>();
        for (TraceLines.Line l : TraceLines.of(name, lines)) {
            String where = l.where();
            String[] f = l.fields();
            if (f.length != 4) {
                throw bad(where, "expected at,cloud,gbSecond,vcpuSecond, found " + f.length + " field(s): '" + l.text() + "'");
            }
            Duration at;
            try {
                at = Durations.parse(f[0].strip());
            } catch (IllegalArgumentException e) {
                throw bad(where + ", field at", e.getMessage());
            }
            String cloud = f[1].strip();
            if (topology.cloud(cloud).isEmpty()) {
                throw bad(where + ", field cloud", "no cloud '" + cloud + "' in the topology (its clouds: "
                        + String.join(", ", topology.clouds().stream().map(Cloud::name).toList()) + ")");
            }
            var change = new Change(at, cloud, price(where + ", field gbSecond", f[2]), price(where + ", field vcpuSecond", f[3]));
            List<Change> changes = byCloud.computeIfAbsent(cloud, c -> new ArrayList<>());
            if (!changes.isEmpty() && changes.getLast().at().compareTo(at) > 0) {
                throw bad(where + ", field at", Durations.format(at) + " comes before " + Durations.format(changes.getLast().at())
                        + ", the previous change of " + cloud + ": a trace is in time order");
            }
            changes.add(change);
        }
        byCloud.replaceAll((c, changes) -> List.copyOf(changes));
        return new PriceTrace(Map.copyOf(byCloud));
    }

    private static double price(String where, String text) {
        double d;
        try {
            d = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw bad(where, "'" + text.strip() + "' is not a number");
        }
        if (!(d >= 0 && d <= MAX_PRICE)) {
            throw bad(where, text.strip() + " is out of range 0.." + MAX_PRICE);
        }
        return d;
    }

    private static SkyfnException bad(String where, String message) {
        return new SkyfnException(ErrorCode.BAD_REQUEST, "price trace " + where + ": " + message);
    }

    /** {@code cloud}'s pricing {@code offset} after the replay started. */
    public Pricing at(Cloud cloud, Duration offset) {
        Change last = null;
        for (Change c : byCloud.getOrDefault(cloud.name(), List.of())) {
            if (c.at().compareTo(offset) > 0) {
                break;
            }
            last = c;
        }
        Pricing p = cloud.pricing();
        return last == null ? p : p.at(last.gbSecond(), last.vcpuSecond());
    }

    /**
     * {@code cloud}'s pricing at {@code now} of a replay that started at {@code epoch}, its time
     * compressed by {@code timeScale} (0.1: an hour of the trace passes in six minutes).
     */
    public Pricing at(Cloud cloud, java.time.Instant epoch, double timeScale, java.time.Instant now) {
        long elapsed = Math.max(0, Duration.between(epoch, now).toNanos());
        return at(cloud, Duration.ofNanos((long) (elapsed / timeScale)));
    }

    /** Whether the trace changes any price. */
    public boolean isEmpty() {
        return byCloud.isEmpty();
    }

    /** When the trace's last change happens. */
    public Duration length() {
        return byCloud.values().stream().map(List::getLast).map(Change::at).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }
}
