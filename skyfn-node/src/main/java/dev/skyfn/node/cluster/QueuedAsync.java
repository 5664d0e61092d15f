package dev.skyfn.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.cloud.Trust;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.core.wire.WireCodec;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.nats.queue.WorkQueue;
import dev.skyfn.nats.seal.Sealer;
import dev.skyfn.node.invoke.Async;
import dev.skyfn.node.invoke.AsyncInvocations.State;
import dev.skyfn.node.invoke.AsyncInvocations.Status;
import dev.skyfn.node.invoke.Dispatch;
import dev.skyfn.node.invoke.Ids;
import dev.skyfn.node.invoke.Outcome;
import dev.skyfn.node.tracing.Tracing;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Async invocations across a fleet: accepted into a JetStream work queue (durable before the
 * caller hears 202), run by whichever node takes them — on the best node for the caller's region,
 * like any call — and their status kept in a bucket every node reads. An accepted call is never
 * lost: its job is acknowledged only once its outcome is in the bucket; a job whose worker dies
 * is handed out again, and one whose node died under it, or that no node could run yet, is
 * handed out again after a pause (1, 2, 4… s, up to {@value #MAX_DELIVERIES} deliveries). A
 * redelivery of a call still running, or just ended, on a live node joins that run
 * ({@link FleetDispatch#dispatchOnce}): a call runs twice only when the node running it died
 * first. Jobs go to a subject per trust level
 * ({@code skyfn.async.<level>.<tenant>.<app>}, the level of the tenant's trust policy), each
 * worked by its own shared consumer; a node works only the levels whose data keys it holds.
 */
final class QueuedAsync implements Async, AutoCloseable {

    static final String STREAM = "skyfn-async";
    static final String STATUS_BUCKET = "skyfn-async-status";
    private static final Duration ACK_WAIT = Duration.ofSeconds(10);
    private static final int MAX_DELIVERIES = 10;
    private static final Duration MAX_PAUSE = Duration.ofSeconds(10);
    /** Outcomes that say the call did not run to its end for want of a node, not that the function failed. */
    private static final Set<ErrorCode> NOT_RUN = EnumSet.of(ErrorCode.NODE_LOST, ErrorCode.UNAVAILABLE);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(QueuedAsync.class);
    private static final String TENANT = "Skyfn-Tenant";
    private static final String APP = "Skyfn-App";
    private static final String ID = "Skyfn-Invocation";
    private static final String REGION = "Skyfn-Region";

    private final List<WorkQueue> queues = new ArrayList<>();
    private final KeyValue statuses;
    private final FleetDispatch dispatch;
    private final AtomicInteger running = new AtomicInteger();
    private final int parallel;
    /** Seals a call's input on the queue and its outcome in the status bucket with the tenant's key. */
    private final Sealer sealer;

    /** Takes calls to queue at once; works the queue's jobs from {@link #work} on, once the node has joined its fleet. */
    QueuedAsync(Engine engine, FleetDispatch dispatch, Duration retention, int parallel, Sealer sealer) {
        this.sealer = sealer;
        this.statuses = engine.bucket(STATUS_BUCKET, 1, retention);
        this.dispatch = dispatch;
        this.parallel = parallel;
        for (Trust level : Trust.values()) {
            if (sealer.holds(level)) {
                queues.add(WorkQueue.open(engine, STREAM, "skyfn.async.>", "skyfn-workers-" + name(level),
                        "skyfn.async." + name(level) + ".>", ACK_WAIT, -1, retention));
            }
        }
    }

    /** Starts working the jobs of the levels whose keys this node holds, {@code parallel} at a time each. */
    void work() {
        queues.forEach(q -> q.work(parallel, this::run));
    }

    private static String name(Trust level) {
        return level.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String submit(Dispatch.Target target, Payload input, String region) {
        String id = Ids.next();
        var app = target.app();
        save(new Status(id, app.tenant(), app.name(), target.spec().name(), State.QUEUED, Instant.now(), null, null, null));
        publish(target, input, region, id);
        return id;
    }

    /**
     * Its status is created only if absent, and its job published under the id as JetStream's
     * {@code Nats-Msg-Id}: of several nodes submitting one id, one status stands and one job is
     * queued (JetStream drops the others within its duplicate window, and a worker acknowledges
     * unrun a job whose status has ended). Published even when the status was there: the node
     * that created it may have died before publishing.
     */
    @Override
    public void submitOnce(Dispatch.Target target, Payload input, String region, String id) {
        var app = target.app();
        var queued = new Status(id, app.tenant(), app.name(), target.spec().name(), State.QUEUED, Instant.now(), null, null, null);
        Js.call("creating the status of " + id, () -> {
            try {
                return statuses.create(id, JSON.writeValueAsBytes(stored(queued)));
            } catch (io.nats.client.JetStreamApiException exists) {
                return 0L;
            }
        });
        publish(target, input, region, id);
    }

    private void publish(Dispatch.Target target, Payload input, String region, String id) {
        var app = target.app();
        byte[] body = sealer.seal(app.tenant(), "async/" + id,
                WireCodec.encode(new Message.Invoke(0, 0, target.spec().name(), id, target.spec().timeout().toMillis(), input,
                        Tracing.traceparent())));
        Headers headers = new Headers().put(TENANT, app.tenant()).put(APP, app.name()).put(ID, id);
        if (region != null) {
            headers.put(REGION, region);
        }
        queues.getFirst().publish("skyfn.async." + name(sealer.levelOf(app.tenant())) + "." + app.tenant() + "." + app.name(),
                headers, body, id);
    }

    private void run(WorkQueue.Job job) {
        try {
            work(job);
        } catch (RuntimeException e) {
            // not acknowledged: it is handed out again once its ack wait is over (its status could not be read or saved, say)
            LOG.warn("async invocation {} is left to run again: {}", job.headers().getFirst(ID), e.getMessage());
        }
    }

    private void work(WorkQueue.Job job) {
        String id = job.headers().getFirst(ID);
        Status queued = load(id).orElse(null);
        if (queued == null || queued.finished() != null) {
            job.ack(); // expired meanwhile, or finished by a worker that died before it acknowledged
            return;
        }
        running.incrementAndGet();
        try {
            save(queued.with(State.RUNNING, Instant.now(), null));
            Outcome outcome = run(queued, job);
            if (!outcome.ok() && NOT_RUN.contains(outcome.error().code()) && job.deliveries() < MAX_DELIVERIES) {
                save(queued);
                job.retryIn(pause(job.deliveries()));
                return;
            }
            save(queued.with(outcome.ok() ? State.SUCCEEDED : State.FAILED, Instant.now(), outcome));
            job.ack();
        } finally {
            running.decrementAndGet();
        }
    }

    /** The pause before the next delivery of a job delivered {@code deliveries} times: 1 s, doubling, at most {@link #MAX_PAUSE}. */
    static Duration pause(long deliveries) {
        Duration doubled = Duration.ofSeconds(1L << Math.min(Math.max(deliveries, 1) - 1, 10));
        return doubled.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : doubled;
    }

    /** Runs the call a job carries for the tenant and app its status names (the job's sealed body is bound to them). */
    private Outcome run(Status queued, WorkQueue.Job job) {
        long start = System.nanoTime();
        try {
            byte[] body = sealer.open(queued.tenant(), "async/" + queued.invocationId(), job.body());
            var call = (Message.Invoke) WireCodec.decode(body, 4, body.length - 4);
            Dispatch.Target target = dispatch.resolve(new AppKey(queued.tenant(), queued.app()), call.function());
            // the trace of the call that queued it goes on here, on whichever node took the job
            return Async.traced(dispatch.tracing(), call.traceparent(), target, call.invocationId(),
                    () -> dispatch.dispatchOnce(target, call.payload(), call.invocationId(), Duration.ofMillis(call.timeoutMillis()),
                            job.headers().getFirst(REGION)));
        } catch (SkyfnException e) {
            return new Outcome(queued.invocationId(), null, new Outcome.Error(e.code(), e.getMessage(), ""), false,
                    System.nanoTime() - start);
        }
    }

    @Override
    public Optional<Status> get(String tenant, String id) {
        return load(id).filter(s -> s.tenant().equals(tenant));
    }

    @Override
    public int pending() {
        return running.get();
    }

    /** A status as the bucket keeps it; the outcome as the frame the sandbox protocol would carry it in. */
    record Stored(String id, String tenant, String app, String function, State state, long submitted, long started, long finished,
                  byte[] frame, boolean cold, long durationNanos, String node) {
    }

    private void save(Status s) {
        Js.run("saving the status of " + s.invocationId(), () -> statuses.put(s.invocationId(), JSON.writeValueAsBytes(stored(s))));
    }

    private Stored stored(Status s) {
        Outcome o = s.outcome();
        byte[] frame = o == null ? null : sealer.seal(s.tenant(), "async-outcome/" + s.invocationId(),
                WireCodec.encode(o.ok() ? new Message.Result(0, o.payload())
                        : new Message.Failure(0, o.error().code().name(), o.error().message(), o.error().type())));
        return new Stored(s.invocationId(), s.tenant(), s.app(), s.function(), s.state(), millis(s.submitted()),
                millis(s.started()), millis(s.finished()), frame, o != null && o.coldStart(), o == null ? 0 : o.durationNanos(),
                o == null ? null : o.node());
    }

    private Optional<Status> load(String id) {
        if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
            return Optional.empty();
        }
        KeyValueEntry e = Js.call("reading the status of " + id, () -> statuses.get(id));
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            return Optional.empty();
        }
        try {
            Stored s = JSON.readValue(e.getValue(), Stored.class);
            return Optional.of(new Status(s.id(), s.tenant(), s.app(), s.function(), s.state(), instant(s.submitted()),
                    instant(s.started()), instant(s.finished()), s.frame() == null ? null : outcome(s, sealer)));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Outcome outcome(Stored s, Sealer sealer) {
        byte[] frame = sealer.open(s.tenant(), "async-outcome/" + s.id(), s.frame());
        Message m = WireCodec.decode(frame, 4, frame.length - 4);
        return switch (m) {
            case Message.Result r -> new Outcome(s.id(), r.payload(), null, s.cold(), s.durationNanos(), s.node());
            case Message.Failure f -> new Outcome(s.id(), null, new Outcome.Error(ErrorCode.parse(f.code()), f.message(), f.type()),
                    s.cold(), s.durationNanos(), s.node());
            default -> throw new IllegalStateException("unexpected frame " + m);
        };
    }

    private static long millis(Instant at) {
        return at == null ? 0 : at.toEpochMilli();
    }

    private static Instant instant(long millis) {
        return millis == 0 ? null : Instant.ofEpochMilli(millis);
    }

    @Override
    public void close() {
        queues.forEach(WorkQueue::close);
    }

}
