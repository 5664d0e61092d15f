package dev.skyfn.node.invoke;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.NodeScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Invocations accepted now and run in the background: each waits for a slot of its function
 * rather than being refused, and its status and result are kept for a while after it ends.
 * Bounded twice: by how many may be pending, and by the bytes of results kept.
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

    public AsyncInvocations(Dispatch dispatch, int maxPending, long maxRetainedBytes, Duration retention, Clock clock,
                            NodeScheduler scheduler, dev.skyfn.node.tracing.Tracing tracing) {
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
        if (statuses.putIfAbsent(id, new Status(id, app.tenant(), app.name(), target.spec().name(), State.QUEUED, clock.instant(),
                null, null, null)) != null) {
            pending.decrementAndGet();
            return;
        }
        // the submitter's trace goes on in the run, whose thread has no context of its own
        String traceparent = dev.skyfn.node.tracing.Tracing.traceparent();
        Thread.ofVirtual().name("async-" + id).start(() -> run(id, target, input, region, traceparent));
    }

    private void run(String id, Dispatch.Target target, Payload input, String region, String traceparent) {
        try {
            statuses.computeIfPresent(id, (k, s) -> s.with(State.RUNNING, clock.instant(), null));
            Outcome outcome = Async.traced(tracing, traceparent, target, id,
                    () -> dispatch.dispatch(target, input, id, false, target.spec().timeout(), region));
            retainedBytes.addAndGet(size(outcome));
            statuses.computeIfPresent(id, (k, s) -> s.with(outcome.ok() ? State.SUCCEEDED : State.FAILED, clock.instant(), outcome));
        } finally {
            pending.decrementAndGet();
        }
        if (retainedBytes.get() > maxRetainedBytes) {
            evict();
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

    /** Drops finished invocations past their retention, and the oldest ones while results take too many bytes. */
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
    }

    private static long size(Outcome outcome) {
        if (outcome == null || outcome.payload() == null) {
            return 256;
        }
        return 256 + outcome.payload().bodyLength();
    }
}
