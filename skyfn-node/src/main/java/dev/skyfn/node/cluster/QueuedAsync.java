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
    /** The revision of the status its submitter created, with what the worker needs to save it running without reading it. */
    private static final String STATUS_REVISION = "Skyfn-Status-Revision";
    private static final String FUNCTION = "Skyfn-Function";
    private static final String SUBMITTED = "Skyfn-Submitted";

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
        Status queued = queued(target, Ids.next());
        publish(target, input, region, queued, save(queued));
        return queued.invocationId();
    }

    /**
     * Its job is published under the id as JetStream's {@code Nats-Msg-Id}, and its status is
     * created by the worker that takes it, as it starts the call, only if absent: of several nodes
     * submitting one id, one job is queued (JetStream drops the others within its duplicate
     * window) and one call runs (a worker whose status is refused reads it, and acknowledges
     * unrun a job whose call has ended). A tick's call thus waits for one write to JetStream
     * before its job is queued, not two; its status shows from the moment it runs.
     */
    @Override
    public void submitOnce(Dispatch.Target target, Payload input, String region, String id) {
        publish(target, input, region, queued(target, id), 0);
    }

    private static Status queued(Dispatch.Target target, String id) {
        var app = target.app();
        return new Status(id, app.tenant(), app.name(), target.spec().name(), State.QUEUED, Instant.now(), null, null, null);
    }

    /** Queues the job of {@code queued}, whose status is at {@code revision} in the bucket (0: the worker creates it). */
    private void publish(Dispatch.Target target, Payload input, String region, Status queued, long revision) {
        var app = target.app();
        String id = queued.invocationId();
        byte[] body = sealer.seal(app.tenant(), "async/" + id,
                WireCodec.encode(new Message.Invoke(0, 0, target.spec().name(), id, target.spec().timeout().toMillis(), input,
                        Tracing.traceparent())));
        Headers headers = new Headers().put(TENANT, app.tenant()).put(APP, app.name()).put(ID, id);
        if (region != null) {
            headers.put(REGION, region);
        }
        headers.put(STATUS_REVISION, Long.toString(revision)).put(FUNCTION, queued.function())
                .put(SUBMITTED, Long.toString(queued.submitted().toEpochMilli()));
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
        Status queued = savedRunningAsQueued(job, id);
        if (queued == null) {
            queued = readAndSavedRunning(id);
            if (queued == null) {
                job.ack(); // expired meanwhile, or finished by a worker that died before it acknowledged
                return;
            }
        }
        running.incrementAndGet();
        try {
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

    /**
     * One write instead of a read and a write: the job's status saved running only if it is still
     * at the revision the job names — the one its submitter created it at (tried on the first
     * delivery alone: a worker that took it before changed it), or none, for a job whose worker
     * creates it ({@link #submitOnce}). Returns the status as it was queued, or null when the job
     * names no revision or the status is not at it (then it is read).
     */
    private Status savedRunningAsQueued(WorkQueue.Job job, String id) {
        Headers h = job.headers();
        String named = h.getFirst(STATUS_REVISION);
        if (named == null || !validId(id)) {
            return null;
        }
        try {
            long revision = Long.parseLong(named);
            if (revision > 0 && job.deliveries() != 1) {
                return null;
            }
            var queued = new Status(id, h.getFirst(TENANT), h.getFirst(APP), h.getFirst(FUNCTION), State.QUEUED,
                    Instant.ofEpochMilli(Long.parseLong(h.getFirst(SUBMITTED))), null, null, null);
            return savedRunning(queued, revision) ? queued : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The job's status read, then saved running only if it is still as read — not over an ending
     * another worker saved meanwhile; the status as read, or null when there is none or its call
     * has ended.
     */
    private Status readAndSavedRunning(String id) {
        for (int tries = 0; tries < 3; tries++) {
            KeyValueEntry entry = entry(id);
            Status read = entry == null ? null : status(entry);
            if (read == null || read.finished() != null) {
                return null;
            }
            if (savedRunning(read, entry.getRevision())) {
                return read;
            }
        }
        // not acknowledged: handed out again once its ack wait is over
        throw new IllegalStateException("the status of " + id + " kept changing while it was saved running");
    }

    /** Saves {@code queued} running if its status is still at {@code revision} (0: if there is none); false if it is not. */
    private boolean savedRunning(Status queued, long revision) {
        return Js.write(statuses, queued.invocationId(), bytes(queued.with(State.RUNNING, Instant.now(), null)), revision);
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

    /** Saves {@code s}; returns its revision in the bucket. */
    private long save(Status s) {
        return Js.call("saving the status of " + s.invocationId(), () -> statuses.put(s.invocationId(), bytes(s)));
    }

    private byte[] bytes(Status s) {
        try {
            return JSON.writeValueAsBytes(stored(s));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Stored stored(Status s) {
        Outcome o = s.outcome();
        byte[] frame = o == null ? null : sealer.seal(s.tenant(), "async-outcome/" + s.invocationId(), o.frame());
        return new Stored(s.invocationId(), s.tenant(), s.app(), s.function(), s.state(), Status.epochMillis(s.submitted()),
                Status.epochMillis(s.started()), Status.epochMillis(s.finished()), frame, o != null && o.coldStart(),
                o == null ? 0 : o.durationNanos(), o == null ? null : o.node());
    }

    private Optional<Status> load(String id) {
        return Optional.ofNullable(entry(id)).map(this::status);
    }

    /** The status entry of {@code id}, null when there is none (or the id is not one). */
    private KeyValueEntry entry(String id) {
        if (!validId(id)) {
            return null;
        }
        KeyValueEntry e = Js.call("reading the status of " + id, () -> statuses.get(id));
        return e == null || e.getOperation() != KeyValueOperation.PUT ? null : e;
    }

    private Status status(KeyValueEntry e) {
        try {
            Stored s = JSON.readValue(e.getValue(), Stored.class);
            return new Status(s.id(), s.tenant(), s.app(), s.function(), s.state(), Status.fromEpochMillis(s.submitted()),
                    Status.fromEpochMillis(s.started()), Status.fromEpochMillis(s.finished()),
                    s.frame() == null ? null : outcome(s, sealer));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static boolean validId(String id) {
        return id != null && id.matches("[A-Za-z0-9_-]{1,64}");
    }

    private static Outcome outcome(Stored s, Sealer sealer) {
        return Outcome.fromFrame(s.id(), sealer.open(s.tenant(), "async-outcome/" + s.id(), s.frame()), s.cold(), s.durationNanos(), s.node());
    }

    @Override
    public void close() {
        queues.forEach(WorkQueue::close);
    }

}
