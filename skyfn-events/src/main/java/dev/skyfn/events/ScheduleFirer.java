package dev.skyfn.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.TickLedger;
import dev.skyfn.core.trigger.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the schedule triggers of the apps it is given, on every node that may (holds the tenant's
 * key): it wakes at each tick, queues an async invocation whose id is the trigger's and the tick's
 * — so of the nodes that fire one tick, the first queues it and the others' are dropped — then
 * moves the ledger's last tick on by compare-and-set. A node that dies after queueing and before
 * recording leaves the tick to the next node, whose queueing is dropped as well: each tick runs
 * once. Ticks missed while no node fired (all were down) are skipped or caught up, at most
 * {@value #MAX_CATCH_UP}, as the trigger says; a trigger's first tick is the first after its app
 * was deployed.
 */
final class ScheduleFirer implements AutoCloseable {

    static final int MAX_CATCH_UP = 100;
    static final String TYPE = "dev.skyfn.schedule.v1.tick";
    private static final Duration IDLE_WAKE = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleFirer.class);

    private final TickLedger ledger;
    private final Functions functions;
    private final Supplier<List<DeployedApp>> apps;
    private final Clock clock;
    /** The last tick each trigger fired as this node last read or moved it. */
    private final Map<String, Instant> last = new ConcurrentHashMap<>();
    /** The schedules of removed apps: a round begun before a removal may still hold the app, and must not fire it from its deployment. */
    private final java.util.Set<String> forgotten = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private Thread loop;

    ScheduleFirer(TickLedger ledger, Functions functions, Supplier<List<DeployedApp>> apps, Clock clock) {
        this.ledger = ledger;
        this.functions = functions;
        this.apps = apps;
        this.clock = clock;
    }

    void start() {
        // a platform thread: woken at a tick by the kernel, not queued behind the virtual threads of the node's calls
        loop = Thread.ofPlatform().daemon().name("schedules").start(this::run);
    }

    private void run() {
        while (!closed) {
            Instant wake = fireDue();
            try {
                long nanos = Duration.between(clock.instant(), wake).toNanos();
                if (nanos > 0) {
                    Thread.sleep(Duration.ofNanos(nanos));
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Fires every tick due now; returns when the next is due (a second from now at most, to see new apps). */
    private Instant fireDue() {
        Instant now = clock.instant();
        Instant wake = now.plus(IDLE_WAKE);
        for (DeployedApp app : apps.get()) {
            if (!functions.handles(app.tenant())) {
                continue;
            }
            for (FunctionSpec fn : app.manifest().functions().values()) {
                for (Trigger t : fn.triggers()) {
                    if (t instanceof Trigger.OnSchedule s) {
                        Instant next = nextAfterFiring(app, fn, s, now);
                        if (next != null && next.isBefore(wake)) {
                            wake = next;
                        }
                    }
                }
            }
        }
        return wake;
    }

    /** Fires {@code s} if a tick of it is due; returns its next tick (null: none). */
    private Instant nextAfterFiring(DeployedApp app, FunctionSpec fn, Trigger.OnSchedule s, Instant now) {
        String id = TriggerNames.durable(app, fn, s);
        if (forgotten.contains(id)) {
            return null;
        }
        try {
            Instant from = last.computeIfAbsent(id, k -> ledger.last(k).orElse(app.deployedAt()));
            Optional<Instant> next = s.schedule().next(from);
            if (next.isPresent() && !next.get().isAfter(now)) {
                next = s.schedule().next(fire(app, fn, s, id, from, now));
            }
            return next.orElse(null);
        } catch (RuntimeException e) {
            LOG.warn("schedule {} of {}/{}: {}; trying again in a second", s.index(), app.name(), fn.name(), e.getMessage());
            last.remove(id);
            return null;
        }
    }

    /**
     * Queues the ticks due at {@code now} after {@code from} (the last this node knows of), then
     * records the last in the ledger unless another node recorded it or a later one; returns the
     * last tick fired. Queued first, the ledger read after: a tick's call does not wait for it, and
     * a tick queued again (this node's view was behind) is dropped by its id.
     */
    private Instant fire(DeployedApp app, FunctionSpec fn, Trigger.OnSchedule s, String id, Instant from, Instant now) {
        List<Instant> due = s.schedule().due(from, now, MAX_CATCH_UP);
        for (Instant tick : due) {
            String invocation = "tick-" + TriggerNames.digest(id) + "-" + tick.toEpochMilli();
            functions.submitOnce(app.key(), fn.name(), CloudEventJson.one(event(app, fn, s, invocation, tick)), invocation, tick);
        }
        Instant fired = due.isEmpty() ? from : due.getLast();
        Optional<Instant> recorded = ledger.last(id);
        if (recorded.isPresent() && !recorded.get().isBefore(fired)) {
            last.put(id, recorded.get());
            return recorded.get();
        }
        if (!due.isEmpty() && !ledger.advance(id, recorded, fired)) {
            last.remove(id); // another node recorded a tick meanwhile: read it again next time
        } else {
            last.put(id, fired);
        }
        return fired;
    }

    private static Event event(DeployedApp app, FunctionSpec fn, Trigger.OnSchedule s, String id, Instant tick) {
        byte[] data;
        try {
            data = JSON.writeValueAsBytes(s.input() == null ? JSON.createObjectNode() : s.input());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new Event(app.tenant(), null, id, "/skyfn/" + app.tenant() + "/" + app.name() + "/" + fn.name() + "/schedules/" + s.index(),
                TYPE, tick, "application/json", null, Map.of(), data);
    }

    /**
     * Drops the last tick of the schedule {@code id} ({@link TriggerNames#durable}): its app was
     * removed ({@code forGood}: a round begun before may still hold the app, and must not fire it
     * from its deployment), or a version without the schedule deployed — declared again later, it
     * starts from that version's deployment. A tick being fired meanwhile may record it again.
     */
    void forget(String id, boolean forGood) {
        if (forGood) {
            forgotten.add(id);
        }
        last.remove(id);
        ledger.forget(id);
    }

    /** The last tick {@code trigger} fired, as the ledger has it. */
    Optional<Instant> lastFired(String trigger) {
        return ledger.last(trigger);
    }

    @Override
    public void close() {
        closed = true;
        if (loop != null) {
            loop.interrupt();
        }
    }
}
