package dev.skyfn.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Usage records rated and summed: what they cost on the clouds that ran them (each at the unit
 * prices its record carries), and what the same calls would cost under each model of a
 * {@link PriceTable}, before and after that model's monthly free tier (applied to the bill's
 * whole usage, per calendar month in UTC, as providers apply it to an account). Egress is rated
 * on skyfn's clouds only. A pure function of its records.
 *
 * @param priceTable the table's version
 * @param by         how lines are grouped
 * @param lines      one per group, ordered by key
 * @param total      all lines together
 * @param elsewhere  per model of the table, in its order
 */
public record Bill(String priceTable, By by, List<Line> lines, Line total, List<Elsewhere> elsewhere) {

    /** How a bill's lines are grouped. */
    public enum By {
        cloud(UsageRecord::cloud), app(UsageRecord::app), function(r -> r.app() + "/" + r.function()),
        day(r -> r.startTime().atZone(ZoneOffset.UTC).toLocalDate().toString()), node(UsageRecord::node), tenant(UsageRecord::tenant);

        private final Function<UsageRecord, String> key;

        By(Function<UsageRecord, String> key) {
            this.key = key;
        }

        /** IllegalArgumentException naming the choices when {@code text} is none of them. */
        public static By parse(String text) {
            return parse(text, IllegalArgumentException::new);
        }

        /** The grouping {@code text} names, or {@code error} of a message naming the choices. */
        public static <E extends RuntimeException> By parse(String text, Function<String, E> error) {
            for (By b : values()) {
                if (b.name().equals(text)) {
                    return b;
                }
            }
            throw error.apply("'by' is one of cloud, app, function, day, node, tenant; not '" + text + "'");
        }
    }

    /**
     * One group's usage and cost (US dollars).
     *
     * @param cpuMicros the CPU time its calls' own threads used (µs), where their sandboxes measured it
     * @param blocks    the basic blocks of the apps' own code its calls executed, where their apps count them (useful work)
     * @param elsewhere by model id: what the group's calls would cost there at list price, before free tiers
     */
    public record Line(String key, long calls, long errors, long coldStarts, long billedMs, double gbSeconds, long cpuMicros,
                       long bytesIn, long bytesOut, long egressBytes, long blocks, double cost, Map<String, Double> elsewhere) {
    }

    /** One model's price for the whole bill: at list price, what its free tier takes off, and what is left. */
    public record Elsewhere(String model, String name, double listCost, double freeTier, double cost) {
    }

    /** Rates and groups {@code records}. */
    public static Bill of(List<UsageRecord> records, By by, PriceTable table) {
        Map<String, List<UsageRecord>> groups = new TreeMap<>();
        for (UsageRecord r : records) {
            groups.computeIfAbsent(by.key.apply(r), k -> new ArrayList<>()).add(r);
        }
        List<Line> lines = new ArrayList<>();
        groups.forEach((key, rs) -> lines.add(line(key, rs, table)));
        return new Bill(table.version(), by, lines, line("total", records, table), elsewhere(records, table));
    }

    /** What one call cost on the cloud that ran it, at the unit prices its record carries (a call rated as one vCPU). */
    public static double cost(UsageRecord r) {
        UsageRecord.UnitPrices p = r.prices();
        return r.gbSeconds() * p.gbSecond() + r.billedMs() / 1000.0 * p.vcpuSecond() + (r.kind().call() ? p.request() : 0)
                + r.egressBytes() / (double) (1L << 30) * p.egressGb();
    }

    private static Line line(String key, List<UsageRecord> rs, PriceTable table) {
        long calls = 0;
        long errors = 0;
        long cold = 0;
        long billed = 0;
        double gbs = 0;
        long cpu = 0;
        long in = 0;
        long out = 0;
        long egress = 0;
        long blocks = 0;
        double cost = 0;
        Map<String, PriceModel.Usage> usage = new LinkedHashMap<>();
        for (UsageRecord r : rs) {
            calls += r.kind().call() ? 1 : 0;
            errors += r.ok() ? 0 : 1;
            cold += r.cold() ? 1 : 0;
            billed += r.billedMs();
            gbs += r.gbSeconds();
            cpu += r.cpuMicros() == null ? 0 : r.cpuMicros();
            in += r.bytesIn();
            out += r.bytesOut();
            egress += r.egressBytes();
            blocks += r.blocks() == null ? 0 : r.blocks();
            cost += cost(r);
            table.models().values().forEach(m -> usage.merge(m.id(), m.usage(r), PriceModel.Usage::plus));
        }
        Map<String, Double> elsewhere = new LinkedHashMap<>();
        table.models().values().forEach(m -> elsewhere.put(m.id(),
                round(m.cost(usage.getOrDefault(m.id(), PriceModel.Usage.NONE), PriceModel.FreeTier.NONE))));
        return new Line(key, calls, errors, cold, billed, round(gbs), cpu, in, out, egress, blocks, round(cost), elsewhere);
    }

    private static List<Elsewhere> elsewhere(List<UsageRecord> records, PriceTable table) {
        List<Elsewhere> all = new ArrayList<>();
        for (PriceModel m : table.models().values()) {
            Map<YearMonth, PriceModel.Usage> months = new TreeMap<>();
            for (UsageRecord r : records) {
                months.merge(YearMonth.from(r.startTime().atZone(ZoneOffset.UTC)), m.usage(r), PriceModel.Usage::plus);
            }
            double list = 0;
            double after = 0;
            for (PriceModel.Usage u : months.values()) {
                list += m.cost(u, PriceModel.FreeTier.NONE);
                after += m.cost(u, m.freeTier());
            }
            all.add(new Elsewhere(m.id(), m.name(), round(list), round(list - after), round(after)));
        }
        return all;
    }

    /** The bill as CSV (RFC 4180): a header, a row per line, then the total; costs in US dollars. */
    public String csv() {
        StringBuilder out = new StringBuilder(by.name()).append(",calls,errors,coldStarts,billedMs,gbSeconds,cpuMicros,bytesIn,bytesOut,egressBytes,blocks,cost");
        elsewhere.forEach(e -> out.append(',').append(e.model()));
        out.append("\r\n");
        for (Line l : lines) {
            row(out, l);
        }
        row(out, total);
        return out.toString();
    }

    private void row(StringBuilder out, Line l) {
        out.append(quote(l.key())).append(',').append(l.calls()).append(',').append(l.errors()).append(',').append(l.coldStarts())
                .append(',').append(l.billedMs()).append(',').append(decimal(l.gbSeconds())).append(',').append(l.cpuMicros())
                .append(',').append(l.bytesIn())
                .append(',').append(l.bytesOut()).append(',').append(l.egressBytes()).append(',').append(l.blocks()).append(',')
                .append(decimal(l.cost()));
        elsewhere.forEach(e -> out.append(',').append(decimal(l.elsewhere().getOrDefault(e.model(), 0.0))));
        out.append("\r\n");
    }

    /** To the 12th decimal (a millionth of a millionth of a dollar): what sums of binary fractions leave past it is noise. */
    private static double round(double v) {
        return java.math.BigDecimal.valueOf(v).setScale(12, java.math.RoundingMode.HALF_UP).doubleValue();
    }

    private static String decimal(double v) {
        return String.format(Locale.ROOT, "%.12f", v);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /** The first instant of the month of {@code at}, UTC: where a bill's default period starts. */
    public static Instant monthStart(Instant at) {
        return YearMonth.from(at.atZone(ZoneOffset.UTC)).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
