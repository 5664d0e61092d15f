package dev.skyfn.events;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppCatalog;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Subjects;
import dev.skyfn.core.trigger.TickLedger;
import dev.skyfn.core.trigger.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's share of the fleet's triggers: it fires the schedules of every app it may (the apps of
 * {@code scheduled}: all of the fleet's, the tenant's key permitting — an app scaled to zero still
 * gets its ticks), runs the topic triggers of the apps it serves ({@code served}: the node's
 * catalog), and publishes events for callers and functions.
 */
public final class Triggers implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Triggers.class);
    /** How long a node stopping waits for its triggers' running calls to end. */
    static final Duration DRAIN = Duration.ofSeconds(30);

    private final EventLog log;
    private final Functions functions;
    private final AppCatalog served;
    private final AppCatalog scheduled;
    private final Clock clock;
    private final ScheduleFirer schedules;
    private final Map<AppKey, List<TriggerRunner>> running = new ConcurrentHashMap<>();

    public Triggers(EventLog log, TickLedger ledger, Functions functions, AppCatalog scheduled, AppCatalog served, Clock clock) {
        this.log = log;
        this.functions = functions;
        this.served = served;
        this.scheduled = scheduled;
        this.clock = clock;
        this.schedules = new ScheduleFirer(ledger, functions, scheduled::all, clock);
    }

    /** Starts firing schedules and taking the events of the served apps' topics, and follows their deployments. */
    public Triggers start() {
        served.subscribe(new AppCatalog.Listener() {
            @Override
            public void deployed(DeployedApp app, DeployedApp previous) {
                run(app);
            }

            @Override
            public void removed(DeployedApp app) {
                stop(app);
            }
        });
        served.all().forEach(this::run);
        scheduled.subscribe(new AppCatalog.Listener() {
            @Override
            public void deployed(DeployedApp app, DeployedApp previous) {
                listenedFor();
                if (previous != null && previous.sameApp(app)) {
                    forgetDropped(previous, TriggerNames.durableState(app), false);
                }
            }

            @Override
            public void removed(DeployedApp app) {
                listenedFor();
                forgetDropped(app, java.util.Set.of(), true);
            }
        });
        listenedFor();
        schedules.start();
        return this;
    }

    private void run(DeployedApp app) {
        List<TriggerRunner> runners = new ArrayList<>();
        if (functions.handles(app.tenant())) {
            for (FunctionSpec fn : app.manifest().functions().values()) {
                for (Trigger t : fn.triggers()) {
                    if (t instanceof Trigger.OnTopic topic && topic.atMostOnce()) {
                        runners.add(new AtMostOnceRunner(log, functions, app, fn, topic, TriggerNames.subscription(app, fn, t)));
                    } else if (t instanceof Trigger.OnTopic topic) {
                        runners.add(new TopicRunner(log, functions, app, fn, topic, TriggerNames.subscription(app, fn, t), e -> true));
                    } else if (t instanceof Trigger.OnState state) {
                        runners.add(new TopicRunner(log, functions, app, fn, state.asTopic(app.name()), TriggerNames.subscription(app, fn, t),
                                e -> e.partitionKey() != null && e.partitionKey().startsWith(state.prefix())));
                    }
                }
            }
        }
        List<TriggerRunner> before = running.put(app.key(), runners);
        // those delivered at most once listen before their predecessors stop: an event published meanwhile finds one of them
        runners.stream().filter(r -> r instanceof AtMostOnceRunner).forEach(TriggerRunner::start);
        if (before != null) {
            before.forEach(TriggerRunner::close);
        }
        runners.stream().filter(r -> !(r instanceof AtMostOnceRunner)).forEach(TriggerRunner::start);
    }

    /**
     * Tells the log which events the fleet's triggers delivered at most once listen for (the
     * subjects of every app this node knows), for it to send them ahead of keeping them.
     */
    private synchronized void listenedFor() {
        Map<String, List<String>> patterns = new java.util.HashMap<>();
        for (DeployedApp app : scheduled.all()) {
            for (FunctionSpec fn : app.manifest().functions().values()) {
                for (Trigger t : fn.triggers()) {
                    if (t instanceof Trigger.OnTopic o && o.atMostOnce()) {
                        patterns.computeIfAbsent(app.tenant(), k -> new ArrayList<>()).add(o.subject());
                    }
                }
            }
        }
        Map<String, List<String>> wanted = Map.copyOf(patterns);
        log.heardAhead(wanted.isEmpty() ? e -> false : e -> {
            List<String> of = wanted.get(e.tenant());
            return of != null && of.stream().anyMatch(p -> Subjects.matches(p, e.subject()));
        });
    }

    /**
     * Drops the durable state of the triggers of {@code before} whose names {@code kept} lacks: a
     * schedule's last tick, a subscription with what it had not handed out. Every node does it for
     * the fleet's apps; a second time finds nothing. A trigger a new version no longer declares is
     * gone, so that declared again it starts afresh rather than with what was published meanwhile.
     */
    private void forgetDropped(DeployedApp before, java.util.Set<String> kept, boolean removed) {
        for (FunctionSpec fn : before.manifest().functions().values()) {
            for (Trigger t : fn.triggers()) {
                for (String name : TriggerNames.durableState(before, fn, t)) {
                    if (kept.contains(name)) {
                        continue;
                    }
                    try {
                        if (t instanceof Trigger.OnSchedule) {
                            schedules.forget(name, removed);
                        } else {
                            log.forget(name);
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("forgetting trigger {} of {}/{}: {}", t.index(), before.name(), fn.name(), e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * Stops the triggers of {@code app}, no longer served here: removed from the fleet, what their
     * last requests to the log bring is not run ({@link TopicRunner#closeRemoved}); moved to other
     * nodes, it runs where the app runs now.
     */
    private void stop(DeployedApp app) {
        List<TriggerRunner> runners = running.remove(app.key());
        if (runners == null) {
            return;
        }
        boolean removed = scheduled.find(app.key()).filter(app::sameApp).isEmpty();
        runners.forEach(removed ? TriggerRunner::closeRemoved : TriggerRunner::close);
    }

    /**
     * Publishes {@code data} to {@code tenant}'s {@code subject} as an event of {@code type} from
     * {@code source}; returns its id (the one given, else a new one). BAD_REQUEST for a subject
     * that is not one ({@link Subjects}), or an attribute (id, source, type, media type, partition
     * key) that is empty, longer than {@value #MAX_ATTRIBUTE} characters or holds control characters,
     * or a source that is not a URI-reference.
     */
    public String publish(String tenant, String subject, Optional<String> id, String source, String type, String contentType,
                          String partitionKey, byte[] data) {
        return publish(tenant, subject, id, source, type, contentType, partitionKey, Map.of(), data).id();
    }

    /** What a publication did: the event's id, and whether it was dropped as a second publication of that id. */
    public record Published(String id, boolean duplicate) {
    }

    /**
     * {@link #publish(String, String, Optional, String, String, String, String, byte[])} with
     * CloudEvents extension attributes (names of 1 to 20 lower-case letters and digits, not an
     * attribute of the specification's); BAD_REQUEST also for data its media type says is JSON
     * and that is not.
     */
    public Published publish(String tenant, String subject, Optional<String> id, String source, String type, String contentType,
                             String partitionKey, Map<String, String> extensions, byte[] data) {
        Subjects.problem(subject).ifPresent(p -> {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, p);
        });
        String eventId = id.orElseGet(() -> java.util.UUID.randomUUID().toString());
        check("id", eventId);
        check("source", source);
        checkUri(source);
        check("type", type);
        if (contentType != null) {
            check("datacontenttype", contentType);
        }
        if (partitionKey != null) {
            check("partitionkey", partitionKey);
        }
        extensions.forEach((name, value) -> {
            if (!EXTENSION.matcher(name).matches() || RESERVED.contains(name)) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "'" + name + "' is not a CloudEvents extension attribute's name"
                        + " (1 to 20 lower-case letters and digits, not one of " + String.join(", ", new java.util.TreeSet<>(RESERVED)) + ")");
            }
            check(name, value);
        });
        if (CloudEventJson.json(contentType) && data.length > 0) {
            try {
                JSON.readTree(data);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new SkyfnException(ErrorCode.BAD_REQUEST, "the event's data is not JSON, as its media type " + contentType + " says: "
                        + dev.skyfn.core.Documents.why(e));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        boolean kept = log.publish(new Event(tenant, subject, eventId, source, type, clock.instant(), contentType, partitionKey, extensions,
                data));
        return new Published(eventId, !kept);
    }

    private static final java.util.regex.Pattern EXTENSION = java.util.regex.Pattern.compile("[a-z0-9]{1,20}");
    private static final java.util.Set<String> RESERVED = java.util.Set.of("id", "source", "type", "specversion", "time", "subject",
            "datacontenttype", "dataschema", "data", "partitionkey");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The longest event attribute taken, in characters. */
    public static final int MAX_ATTRIBUTE = 1024;

    /** CloudEvents' {@code source} is a URI-reference (RFC 3986), which a CloudEvents reader parses as one. */
    private static void checkUri(String source) {
        try {
            new java.net.URI(source);
        } catch (java.net.URISyntaxException e) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the event's source is not a URI-reference (RFC 3986): " + e.getMessage());
        }
    }

    private static void check(String attribute, String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_ATTRIBUTE || value.chars().anyMatch(Character::isISOControl)) {
            throw new SkyfnException(ErrorCode.BAD_REQUEST, "the event's " + attribute + " is 1 to " + MAX_ATTRIBUTE
                    + " characters with no control characters");
        }
    }

    /** Whether some function of {@code app} has a state-change trigger. */
    public boolean watchesState(DeployedApp app) {
        return app.manifest().functions().values().stream().flatMap(f -> f.triggers().stream()).anyMatch(t -> t instanceof Trigger.OnState);
    }

    /**
     * The event of a change of {@code app}'s global {@code key} from {@code before} to {@code after}
     * (null: absent) for its state-change triggers, to publish through a {@link StateOutbox}: of type
     * {@value #STATE_CHANGED} (or {@value #STATE_DELETED}), on the app's internal state subject, its
     * partition key the key, its data {@code {"key", "oldValue", "newValue"}}, each value as text when
     * it is UTF-8, else as {@code oldValueBase64} / {@code newValueBase64}, null when absent, and cut
     * to {@value StateChange#MAX_VALUE_BYTES} bytes ({@code …Size} gives the whole size).
     */
    public Event stateChange(DeployedApp app, String key, byte[] before, byte[] after) {
        return new Event(app.tenant(), Trigger.OnState.subject(app.name()), java.util.UUID.randomUUID().toString(),
                "/skyfn/" + app.tenant() + "/" + app.name() + "/state", after == null ? STATE_DELETED : STATE_CHANGED, clock.instant(),
                "application/json", key, Map.of(), StateChange.json(key, before, after));
    }

    public static final String STATE_CHANGED = "dev.skyfn.state.v1.changed";
    public static final String STATE_DELETED = "dev.skyfn.state.v1.deleted";

    /** What {@code skyfn triggers APP} shows of one trigger. */
    public record View(String function, int index, String kind, String spec, Instant lastFired, Instant nextTick) {
    }

    /** The app's triggers, a schedule's with the last tick fired and the next one. */
    public List<View> list(DeployedApp app) {
        List<View> views = new ArrayList<>();
        for (FunctionSpec fn : app.manifest().functions().values()) {
            for (Trigger t : fn.triggers()) {
                views.add(switch (t) {
                    case Trigger.OnSchedule s -> {
                        Instant last = schedules.lastFired(TriggerNames.durable(app, fn, s)).orElse(null);
                        Instant from = last == null ? app.deployedAt() : last;
                        Instant seen = clock.instant().isAfter(from) ? clock.instant() : from;
                        yield new View(fn.name(), s.index(), "schedule", s.schedule().toString(), last,
                                s.schedule().next(seen).orElse(null));
                    }
                    case Trigger.OnTopic o -> new View(fn.name(), o.index(), "topic", describe(o), null, null);
                    case Trigger.OnState s -> new View(fn.name(), s.index(), "state", "changes of global keys starting with '"
                            + s.prefix() + "', " + s.maxAttempts() + " attempt(s) then " + s.deadLetter(), null, null);
                });
            }
        }
        return views;
    }

    private static String describe(Trigger.OnTopic t) {
        if (t.atMostOnce()) {
            return t.subject() + ", at most once, a failed event to " + t.deadLetter() + t.output().map(o -> ", result to " + o).orElse("");
        }
        return t.subject() + (t.batch().batched() ? ", batches of " + t.batch().size() + " within "
                + dev.skyfn.core.Durations.format(t.batch().window()) : "")
                + ", " + t.maxAttempts() + " attempt(s) then " + t.deadLetter()
                + (t.keyOrdered() ? ", in order per partition key" : "")
                + t.output().map(o -> ", result to " + o).orElse("");
    }

    /**
     * Stops firing and taking events, and waits up to {@link #DRAIN} for the calls running to end and
     * their events to be acknowledged or handed back, and the key-ordered partitions this node holds
     * to be let go: a node stopping in good order hands its work on at once, where one that stopped
     * under it would have its events run again after their ack wait.
     */
    @Override
    public void close() {
        schedules.close();
        List<TriggerRunner> all = running.values().stream().flatMap(List::stream).toList();
        running.clear();
        all.forEach(TriggerRunner::close);
        long deadline = System.nanoTime() + DRAIN.toNanos();
        try {
            for (TriggerRunner r : all) {
                if (!r.awaitEnded(deadline)) {
                    LOG.warn("triggers: calls still running after {} s; their events are handed out again after their ack wait",
                            DRAIN.toSeconds());
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
