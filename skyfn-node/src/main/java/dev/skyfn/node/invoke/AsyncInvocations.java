package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.NodeScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Invocations accepted now and run in the background, on one machine: each waits for a slot of its
 * function rather than being refused, and its status and result are kept for a while after it
 * ends. Bounded twice: by how many may be pending, and by the bytes of results kept. Each is kept
 * on the node's disk ({@link AsyncJournal}) before its caller hears of it: a node killed and
 * started again runs, once {@link #resume resumed}, every invocation it had accepted and not
 * finished — at least once: one whose end it had not written runs again — as does a node stopped
 * under calls it could not end (they fail as their sandboxes go).
 */
public final class AsyncInvocations implements Async {

    /** Where an async invocation is. */
    public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED }

    /** What {@code GET /v1/invocations/{id}} shows. */
    public record Status(String invocationId, String tenant, String app, String function, State state,
                         Instant submitted, Instant started, Instant finished, Outcome outcome) {

        public Status with(State next, Instant at, Outcome result) {
            return new Status(invocationId, tenant, app, function, next, submitted,
                    next == State.RUNNING ? at : started, next == State.RUNNING ? null : at, result);
        }

        /** {@code at} in epoch ms as a status is kept; 0 for none. */
        public static long epochMillis(Instant at) {
            return at == null ? 0 : at.toEpochMilli();
        }

        /** The time kept as {@link #epochMillis}; null for 0. */
        public static Instant fromEpochMillis(long millis) {
            return millis == 0 ? null : Instant.ofEpochMilli(millis);
        }
    }

    private final Dispatch dispatch;
    private final dev.skyfn.node.tracing.Tracing tracing;
    private final int maxPending;
    private final long maxRetainedBytes;
    private final Duration retention;
    private final Clock clock;
    private final Map<String, Status> statuses = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong retainedBytes = new AtomicLong();
    private final AsyncJournal journal;
    /** Accepted and not ended, as the journal knows them: what a rewrite of it keeps, besides the statuses of those ended. */
    private final Map<String, AsyncJournal.Queued> queued = new ConcurrentHashMap<>();
    /** Changes of the statuses and their writes to the journal: shared; a rewrite of the journal: exclusive. */
    private final java.util.concurrent.locks.ReadWriteLock writing = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Taken from the journal as the node started, run once {@link #resume resumed}. */
    private final List<AsyncJournal.Queued> toResume;
    private volatile boolean stopping;

    /**
     * @param journalFile where the invocations are kept (created when missing); those it holds
     *                    are taken up
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    public AsyncInvocations(Dispatch dispatch, int maxPending, long maxRetainedBytes, Duration retention, Clock clock,
                            NodeScheduler scheduler, dev.skyfn.node.tracing.Tracing tracing, java.nio.file.Path journalFile) {
        var held = new java.util.LinkedHashMap<String, AsyncJournal.Queued>();
        this.journal = AsyncJournal.open(journalFile, statuses, held);
        this.queued.putAll(held);
        this.toResume = new ArrayList<>(held.values());
        statuses.values().forEach(s -> retainedBytes.addAndGet(size(s.outcome())));
        pending.set(held.size());
        this.dispatch = dispatch;
        this.tracing = tracing;
        this.maxPending = maxPending;
        this.maxRetainedBytes = maxRetainedBytes;
        this.retention = retention;
        this.clock = clock;
        scheduler.every(Duration.ofSeconds(10), "dropping old async results", this::evict);
    }

    @Override
    public String submit(Dispatch.Target target, Payload input, String region) {
        String id = Ids.next();
        submitOnce(target, input, region, id);
        return id;
    }

    @Override
    public void submitOnce(Dispatch.Target target, Payload input, String region, String id) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            throw new SkyfnException(ErrorCode.TOO_MANY_REQUESTS,
                    "this node has " + maxPending + " async invocations pending, its limit; retry later");
        }
        var app = target.app();
        var status = new Status(id, app.tenant(), app.name(), target.spec().name(), State.QUEUED, clock.instant(), null, null, null);
        // the submitter's trace goes on in the run, whose thread has no context of its own
        var accepted = new AsyncJournal.Queued(status, region, app.createdAt(), new Message.Invoke(0, 0, target.spec().name(), id,
                target.spec().timeout().toMillis(), input, dev.skyfn.node.tracing.Tracing.traceparent()));
        writing.readLock().lock();
        try {
            if (statuses.putIfAbsent(id, status) != null) {
                pending.decrementAndGet();
                return;
            }
            try {
                journal.queued(accepted);
            } catch (java.io.UncheckedIOException e) {
                statuses.remove(id, status);
                pending.decrementAndGet();
                throw new SkyfnException(ErrorCode.UNAVAILABLE, "this node could not keep the invocation on its disk (" + e.getMessage()
                        + "); retry later");
            }
            queued.put(id, accepted);
        } finally {
            writing.readLock().unlock();
        }
        start(target, accepted);
    }

    /**
     * Runs the invocations accepted before the node last stopped and not ended, in the order
     * accepted; one whose app or function is gone fails with that error ({@code APP_NOT_FOUND} too
     * when its app was removed and created again). Once, as the node starts.
     */
    public void resume() {
        for (AsyncJournal.Queued q : toResume) {
            Status s = q.status();
            Dispatch.Target target;
            try {
                target = dispatch.resolve(new dev.skyfn.core.app.AppKey(s.tenant(), s.app()), s.function());
                if (!java.util.Objects.equals(target.app().createdAt(), q.appCreated())) {
                    throw new SkyfnException(ErrorCode.APP_NOT_FOUND, "the app " + s.app() + " was removed after the invocation was accepted");
                }
            } catch (SkyfnException e) {
                ended(s, new Outcome(s.invocationId(), null, new Outcome.Error(e.code(), e.getMessage(), ""), false, 0));
                pending.decrementAndGet();
                continue;
            }
            start(target, q);
        }
        toResume.clear();
    }

    private void start(Dispatch.Target target, AsyncJournal.Queued q) {
        Thread.ofVirtual().name("async-" + q.status().invocationId()).start(() -> run(target, q));
    }

    private void run(Dispatch.Target target, AsyncJournal.Queued q) {
        String id = q.status().invocationId();
        Message.Invoke call = q.call();
        try {
            statuses.computeIfPresent(id, (k, s) -> s.with(State.RUNNING, clock.instant(), null));
            Outcome outcome = Async.traced(tracing, call.traceparent(), target, id,
                    () -> dispatch.dispatch(target, call.payload(), id, false, Duration.ofMillis(call.timeoutMillis()), q.region()));
            if (!(stopping && !outcome.ok())) {
                ended(q.status(), outcome);
            }
        } finally {
            pending.decrementAndGet();
        }
        if (retainedBytes.get() > maxRetainedBytes) {
            evict();
        }
    }

    /** Notes that {@code accepted}'s call ended with {@code outcome}, in memory and in the journal. */
    private void ended(Status accepted, Outcome outcome) {
        String id = accepted.invocationId();
        writing.readLock().lock();
        try {
            retainedBytes.addAndGet(size(outcome));
            Status ended = statuses.compute(id, (k, s) -> (s == null ? accepted : s).with(outcome.ok() ? State.SUCCEEDED : State.FAILED,
                    clock.instant(), outcome));
            queued.remove(id);
            journal.ended(ended);
        } finally {
            writing.readLock().unlock();
        }
    }

    @Override
    public Optional<Status> get(String tenant, String id) {
        Status s = statuses.get(id);
        return s != null && s.tenant().equals(tenant) ? Optional.of(s) : Optional.empty();
    }

    @Override
    public int pending() {
        return pending.get();
    }

    /**
     * From now on, a call that fails is not noted as ended: the node is stopping, and its calls
     * fail as their sandboxes go; they run again when it starts.
     */
    public void stopping() {
        stopping = true;
    }

    /** Closes the journal: what ends later runs again after a restart. */
    public void close() {
        journal.close();
    }

    /** Drops finished invocations past their retention, and the oldest ones while results take too many bytes; rewrites the journal as it grew. */
    private void evict() {
        Instant cutoff = clock.instant().minus(retention);
        statuses.values().stream()
                .filter(s -> s.finished() != null)
                .sorted(java.util.Comparator.comparing(Status::finished))
                .filter(s -> s.finished().isBefore(cutoff) || retainedBytes.get() > maxRetainedBytes)
                .forEach(s -> {
                    if (statuses.remove(s.invocationId(), s)) {
                        retainedBytes.addAndGet(-size(s.outcome()));
                    }
                });
        writing.writeLock().lock();
        try {
            journal.compactIfGrown(statuses.values().stream().filter(s -> s.finished() != null).toList(), List.copyOf(queued.values()));
        } catch (RuntimeException e) {
            // the disk refused, or the journal is closed as the node stops
            org.slf4j.LoggerFactory.getLogger(AsyncInvocations.class).warn("the async invocations' journal could not be rewritten ({});"
                    + " it grows until it can", e.getMessage());
        } finally {
            writing.writeLock().unlock();
        }
    }

    private static long size(Outcome outcome) {
        if (outcome == null || outcome.payload() == null) {
            return 256;
        }
        return 256 + outcome.payload().bodyLength();
    }
}
