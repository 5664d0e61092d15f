package dev.skyfn.node.metering;

import dev.skyfn.billing.Bill;
import dev.skyfn.billing.Ledger;
import dev.skyfn.billing.SigningKey;
import dev.skyfn.billing.UsageRecord;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Cloud;
import dev.skyfn.core.cloud.PriceFeed;
import dev.skyfn.core.cloud.Pricing;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.Spent;
import dev.skyfn.node.NodeScheduler;
import dev.skyfn.node.invoke.Meter;
import dev.skyfn.node.invoke.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's meter: a usage record for every call that ran in one of its sandboxes, written to
 * its ledger ({@code <data>/billing/}) before the call answers, stamped with the node's cloud and
 * that cloud's unit prices at the time; a head of the ledger signed with the node's key
 * ({@code <data>/billing/node.key}) every interval in which calls were metered, and at close.
 */
public final class Metering implements Meter, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Metering.class);
    /** The function an egress record names: the app's sandbox, not one of its functions. */
    public static final String NETWORK = "(network)";
    /** How often new records are hashed into the ledger's tree, between heads. */
    static final Duration HASH_INTERVAL = Duration.ofMillis(250);

    private final Ledger ledger;
    /** Egress counts written since the node started; with the start time in each id, ids stay unique across restarts. */
    private final AtomicLong egressCounts = new AtomicLong();
    private final String node;
    private final Cloud cloud;
    private final PriceFeed prices;
    private final Clock clock;

    private Metering(Ledger ledger, String node, Cloud cloud, PriceFeed prices, Clock clock) {
        this.ledger = ledger;
        this.node = node;
        this.cloud = cloud;
        this.prices = prices;
        this.clock = clock;
    }

    /** The meter of a node keeping its ledger under {@code dataDir}, signing heads every {@code headInterval}. */
    public static Metering open(Path dataDir, String node, Cloud cloud, PriceFeed prices, Duration headInterval, NodeScheduler scheduler,
                                Clock clock) {
        Path dir = dataDir.resolve("billing");
        SigningKey key;
        try {
            key = Ledger.key(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the node's signing key: " + e.getMessage(), e);
        }
        Metering metering = new Metering(Ledger.open(dir, key, clock), node, cloud, prices, clock);
        // hashed as they come rather than all at the next head: a head of 10 s at 40,000 calls/s would hash 400,000 records at once
        scheduler.every(HASH_INTERVAL, "hashing the usage ledger's new records", metering.ledger::hash);
        scheduler.every(headInterval, "signing a head of the usage ledger", metering.ledger::signHead);
        return metering;
    }

    public Ledger ledger() {
        return ledger;
    }

    @Override
    public void invoked(AppKey app, FunctionSpec spec, Payload input, Outcome outcome, long ranNanos, boolean acrossClouds) {
        long out = bytes(outcome.payload());
        write(app, spec, UsageRecord.Kind.invocation, outcome.invocationId(), ranNanos, bytes(input), out, acrossClouds ? out : 0,
                outcome.coldStart(), outcome.ok() ? "ok" : outcome.error().code().name(), outcome.spent());
    }

    /**
     * Objects passed between an app's own functions are not serialized: such a call moves no bytes
     * in or out; a direct call's bodies were serialized between two apps on the node, never sent
     * out of its cloud (no egress).
     */
    @Override
    public void ranInSandbox(AppKey app, FunctionSpec spec, String invocationId, boolean step, long nanos, String outcome, Spent spent,
                             long bytesIn, long bytesOut) {
        write(app, spec, step ? UsageRecord.Kind.step : UsageRecord.Kind.invocation, invocationId, nanos, bytesIn, bytesOut, 0, false, outcome,
                spent);
    }

    /**
     * Bytes a sandbox sent out of the node (to the internet, or another cloud) since its last count:
     * a record of kind {@code egress} per app it hosts, the bytes shared evenly among them (the
     * remainder to the first), function {@value #NETWORK}; {@code sandbox} makes the records' ids unique.
     */
    public void sentOut(String sandbox, List<AppKey> apps, long bytes) {
        long share = bytes / apps.size();
        for (int i = 0; i < apps.size(); i++) {
            long mine = share + (i == 0 ? bytes % apps.size() : 0);
            if (mine > 0) {
                String count = sandbox + "." + egressCounts.incrementAndGet();
                Instant at = clock.instant();
                long now = at.toEpochMilli();
                AppKey app = apps.get(i);
                append(app, new UsageRecord(app.tenant(), app.app(), NETWORK,
                        UsageRecord.Kind.egress, count, node, cloud.name(), now, 0, 0, 0, mine, mine, false, "ok", null, null, unitPrices(at)));
            }
        }
    }

    private void write(AppKey app, FunctionSpec spec, UsageRecord.Kind kind, String invocationId, long nanos, long in, long out,
                       long egress, boolean cold, String outcome, Spent spent) {
        Instant now = clock.instant();
        long billed = UsageRecord.billedMillis(nanos);
        long start = now.toEpochMilli() - billed;
        append(app, new UsageRecord(app.tenant(), app.app(), spec.name(),
                kind, invocationId, node, cloud.name(), start, billed, spec.memoryMb(), in, out, egress, cold, outcome,
                spent.cpuMicros(), spent.blocksCounted(), unitPrices(now)));
    }

    /** The prices a record carried last, and what they were read from: the same prices, the same object. */
    private record Priced(Pricing pricing, UsageRecord.UnitPrices unit) {
    }

    private volatile Priced lastPriced = new Priced(null, null);

    /** The node's cloud's unit prices at {@code now}. */
    private UsageRecord.UnitPrices unitPrices(Instant now) {
        Pricing p = prices.at(cloud, now);
        Priced last = lastPriced;
        if (p == last.pricing()) {
            return last.unit();
        }
        var unit = new UsageRecord.UnitPrices(p.gbSecond(), p.vcpuSecond(), p.request(), p.egressGb());
        lastPriced = new Priced(p, unit);
        return unit;
    }

    /** What each app's records cost so far, in US dollars, by app; a new app told to {@link #costs}' listener once. */
    private final Map<AppKey, DoubleAdder> costs = new ConcurrentHashMap<>();
    private volatile java.util.function.BiConsumer<AppKey, DoubleAdder> newCost = (app, usd) -> { };

    /** Tells {@code each} of every app's running cost (US dollars, as its bill rates its records) when its first record comes. */
    public void costs(java.util.function.BiConsumer<AppKey, DoubleAdder> each) {
        newCost = each;
    }

    private void count(AppKey app, UsageRecord record) {
        DoubleAdder usd = costs.get(app);
        if (usd == null) {
            DoubleAdder mine = new DoubleAdder();
            usd = costs.putIfAbsent(app, mine);
            if (usd == null) {
                usd = mine;
                newCost.accept(app, mine);
            }
        }
        usd.add(Bill.cost(record));
    }

    /** {@code record}, of {@code app}'s call, counted in its cost and written to the ledger. */
    private void append(AppKey app, UsageRecord record) {
        count(app, record);
        try {
            ledger.append(record);
        } catch (UncheckedIOException e) {
            // the call has run and answers; its record is kept in the node's log for the operator to restore
            LOG.error("usage record not written to the ledger ({}): {}", e.getMessage(), new String(record.canonical(), StandardCharsets.UTF_8));
        }
    }

    private static long bytes(Payload payload) {
        return payload == null ? 0 : payload.bodyLength();
    }

    @Override
    public void close() {
        ledger.signHead();
        ledger.close();
    }
}
