package dev.skyfn.events;

import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Trigger;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one function for the events of one topic trigger on this node: takes them from the
 * trigger's shared subscription (every node serving the app takes a share), calls the function
 * with one event or a batch — while a backlog flows, the single events one request brings in one
 * call to the node's dispatch, which sends them to a sandbox in one frame (their slots come back
 * when the last of them ends) — and acknowledges them once it succeeded — after publishing its
 * result to the trigger's output, if any, under an id derived from the input's, so that a
 * redelivered input publishes no second output (effectively once); the output is published
 * without holding the call's slot, and its inputs acknowledged once the log has kept it. A failed call's events are
 * handed out again after the trigger's back-off, doubled at each attempt up to a minute; an
 * event whose {@code maxAttempts}-th delivery failed goes to the dead-letter subject (a call that
 * found no node to run it, or whose node died under it, is tried again and never dead-letters
 * its events, {@value #MAX_DELIVERIES} deliveries at most, though its delivery counts), with the error in
 * its {@code errorcode}, {@code errormessage}, {@code attempts} and {@code originalsubject}
 * extensions, and is acknowledged. Ordered by key, it reads each of the
 * {@value Event#PARTITIONS} partitions one batch at a time, across the fleet.
 */
final class TopicRunner implements TriggerRunner {

    /** The CloudEvents Distributed Tracing extension's attribute: the W3C traceparent of the event's publication. */
    static final String TRACEPARENT = "traceparent";
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** Errors that say the call did not run to its end for want of a node, not that the function failed. */
    private static final java.util.Set<String> NOT_RUN = java.util.Set.of("NODE_LOST", "UNAVAILABLE", "TOO_MANY_REQUESTS");
    /** Deliveries after which an event goes to the dead-letter subject whatever failed. */
    static final int MAX_DELIVERIES = 100;
    /** How long a lane waits for its first event before it looks again whether it should stop. */
    private static final Duration POLL = Duration.ofSeconds(1);
    /** A batch without a window still waits this long for events already on their way. */
    private static final Duration MIN_WINDOW = Duration.ofMillis(10);
    /** How long a node busy with a subscription's events waits for calls to end before it asks for more. */
    private static final Duration GATHER = Duration.ofMillis(5);
    /**
     * Calls of one unordered trigger a node runs at once, at most; and three quarters of the
     * function's concurrency at most, the rest left to its other callers. A cheap function's
     * events flow at the rate of those out at once over the time each is out (its frame's way to
     * the sandbox and back, its output's publication, its acknowledgement): with 48 at once (the
     * default concurrency's share) a no-op stream function took 14,600–16,300 events/s with both
     * CPUs a fifth idle, with 192 (a concurrency of 256) 18,700–25,400 (docs/PERFORMANCE.md, Events).
     */
    private static final int MAX_PARALLEL = 256;
    /** Events out unacknowledged at once on an unordered subscription, across the fleet (JetStream's default). */
    private static final int MAX_OUT = 1000;
    /**
     * How long a node that took events may go silent before they are handed to another: while a
     * call runs, its node says so every third of it, so a call may run longer; a node that died
     * gives its events back this long after.
     */
    static final Duration ACK_WAIT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(TopicRunner.class);

    private final EventLog log;
    private final Functions functions;
    private final DeployedApp app;
    private final FunctionSpec fn;
    private final Trigger.OnTopic trigger;
    /** The events of the subscription the function is for; others are acknowledged untouched (a state trigger's other keys). */
    private final java.util.function.Predicate<Event> accepts;
    private final String id;
    private volatile boolean closed;
    private final String subscription;
    /**
     * The trigger's app was removed: events the last request to the log brings are not run — not the
     * removed app's to run, nor a later app's of its name. Left unacknowledged, they go back to the
     * removed app's subscription after the ack wait, where no node takes them again. (Handed straight
     * back, they would come back at once into the request still open, each time counted as a delivery.)
     */
    private volatile boolean removed;
    /** The events of the calls running now, by a number each call takes. */
    private final java.util.Map<Long, List<EventLog.Delivery>> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
    /** Its lanes' threads: each ends once closed, its calls settled and its subscription closed. */
    private final List<Thread> lanes = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The subscriptions its lanes have open, told when it stops. */
    private final java.util.Set<EventLog.Subscription> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** @param subscription the name of the trigger's durable subscription ({@link TriggerNames#subscription}) */
    TopicRunner(EventLog log, Functions functions, DeployedApp app, FunctionSpec fn, Trigger.OnTopic trigger, String subscription,
                java.util.function.Predicate<Event> accepts) {
        this.log = log;
        this.accepts = accepts;
        this.functions = functions;
        this.app = app;
        this.fn = fn;
        this.trigger = trigger;
        this.id = TriggerNames.id(app, fn, trigger);
        this.subscription = subscription;
    }

    /**
     * Starts taking events. The subscriptions are opened now, so that an event published once the
     * app's deployment is done finds them; one the log does not open now (out of reach) is opened
     * again on its lane's thread until it opens.
     */
    @Override
    public void start() {
        Thread.ofVirtual().name("topic-" + id + "-in-progress").start(this::keepAlive);
        if (trigger.keyOrdered()) {
            // one batch of a partition at a time, across the fleet: its events run in the order published
            for (int p = 0; p < Event.PARTITIONS; p++) {
                int partition = p;
                lane("topic-" + id + "-" + p, () -> log.subscribe(subscription + "-" + partition, app.tenant(), trigger.subject(), partition,
                        app.deployedAt(), ACK_WAIT, trigger.batch().size()), 1);
            }
        } else {
            int parallel = parallel(fn.concurrency());
            // shared by every node serving the app: room for all of theirs out at once
            lane("topic-" + id, () -> log.subscribe(subscription, app.tenant(), trigger.subject(), -1, app.deployedAt(), ACK_WAIT,
                    Math.max(MAX_OUT, parallel * trigger.batch().size())), parallel);
        }
    }

    private void lane(String thread, java.util.function.Supplier<EventLog.Subscription> subscribe, int parallel) {
        EventLog.Subscription now;
        try {
            now = subscribe.get();
        } catch (RuntimeException e) {
            LOG.warn("topic trigger {}: cannot subscribe yet ({}); trying again", id, e.getMessage());
            now = null;
        }
        EventLog.Subscription opened = now;
        lanes.add(Thread.ofVirtual().name(thread).start(() -> {
            EventLog.Subscription sub = opened;
            while (sub == null && !closed) {
                sleepQuietly(POLL);
                try {
                    sub = subscribe.get();
                } catch (RuntimeException e) {
                    LOG.debug("topic trigger {}: cannot subscribe yet: {}", id, e.getMessage());
                }
            }
            if (sub != null) {
                open.add(sub);
                if (closed) {
                    sub.stopping();
                }
                take(sub, parallel);
                open.remove(sub);
            }
        }));
    }

    /**
     * Takes events from {@code sub} and runs up to {@code parallel} calls at once, until closed: one
     * request to the log asks for as many events as there are free slots, and each is handed to a
     * call as it comes; a batch is gathered first (its first event, then the rest within its window).
     */
    private void take(EventLog.Subscription sub, int parallel) {
        var slots = new Semaphore(parallel);
        boolean flowing = false;
        while (!closed) {
            var unused = new java.util.concurrent.atomic.AtomicInteger();
            try {
                slots.acquire();
                if (closed) {
                    // closed while every slot was taken: no more events once the calls end
                    slots.release();
                    break;
                }
                unused.set(trigger.batch().batched() ? 1 : 1 + slots.drainPermits());
                if (flowing) {
                    gather(slots, unused, parallel / 2);
                }
                if (trigger.batch().batched()) {
                    List<EventLog.Delivery> first = sub.fetch(1, POLL);
                    if (!first.isEmpty()) {
                        Duration window = trigger.batch().window().compareTo(MIN_WINDOW) < 0 ? MIN_WINDOW : trigger.batch().window();
                        List<EventLog.Delivery> batch = gather(sub, first, window);
                        unused.decrementAndGet();
                        call(batch, slots);
                    }
                } else if (flowing && parallel > 1) {
                    // a backlog: what one request brings crosses to the sandbox in one frame
                    int asked = unused.get();
                    List<EventLog.Delivery> got = sub.fetch(asked, MIN_WINDOW);
                    unused.addAndGet(-got.size());
                    if (!got.isEmpty()) {
                        callEach(got, slots);
                    }
                    flowing = got.size() == asked;
                } else {
                    int asked = unused.get();
                    int got = sub.take(asked, POLL, d -> {
                        unused.decrementAndGet();
                        call(List.of(d), slots);
                    });
                    flowing = got == asked;
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("topic trigger {}: {}", id, e.getMessage());
                    sleepQuietly(POLL);
                }
            } finally {
                slots.release(unused.get());
            }
        }
        // the lane ends once its calls have: a partition goes to another node with the subscription, not
        // while a batch of it still runs here, and a node stopping waits for the lanes to end
        try {
            slots.acquire(parallel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sub.close();
    }

    /**
     * While events flow faster than calls end, waits up to {@link #GATHER} for {@code enough} free
     * slots before asking the log again: one request then brings many events, not one per call ended.
     */
    private static void gather(Semaphore slots, java.util.concurrent.atomic.AtomicInteger held, int enough) throws InterruptedException {
        long until = System.nanoTime() + GATHER.toNanos();
        while (held.get() < enough) {
            long left = until - System.nanoTime();
            if (left <= 0 || !slots.tryAcquire(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                return;
            }
            held.addAndGet(1 + slots.drainPermits());
        }
    }

    /**
     * A batch begun with {@code first}, gathered until it holds the batch's size or its window is
     * over: in pieces of at most a third of the ack wait, the events gathered so far said to be in
     * progress with the running calls' — a window longer than the ack wait (up to 5 minutes) would
     * otherwise see its first events handed out again, into itself.
     */
    private List<EventLog.Delivery> gather(EventLog.Subscription sub, List<EventLog.Delivery> first, Duration window)
            throws InterruptedException {
        var batch = new java.util.concurrent.CopyOnWriteArrayList<>(first);
        long gathering = calls.incrementAndGet();
        inFlight.put(gathering, batch);
        try {
            long until = System.nanoTime() + window.toNanos();
            long piece = ACK_WAIT.dividedBy(3).toNanos();
            int size = trigger.batch().size();
            // closed, the batch runs with what it has: the node stopping waits for it
            for (long left = window.toNanos(); batch.size() < size && left > 0 && !closed; left = until - System.nanoTime()) {
                try {
                    batch.addAll(sub.fetch(size - batch.size(), Duration.ofNanos(Math.min(left, piece))));
                } catch (RuntimeException e) {
                    // what was gathered is taken: it runs now rather than come back after the ack wait, behind later events
                    LOG.warn("topic trigger {}: gathering a batch: {}", id, e.getMessage());
                    break;
                }
            }
            return List.copyOf(batch);
        } finally {
            inFlight.remove(gathering);
        }
    }

    /** Runs a call on a thread of its own, which holds a slot until it ends. */
    private void call(List<EventLog.Delivery> events, Semaphore slots) {
        if (removed) {
            slots.release();
            return;
        }
        Thread.ofVirtual().name("topic-" + id + "-call").start(() -> {
            try {
                handle(events);
            } catch (RuntimeException e) {
                LOG.warn("topic trigger {}: {}", id, e.getMessage());
                handBack(events);
            } finally {
                slots.release();
            }
        });
    }

    /** Runs a call for each of {@code events} at once, on a thread of its own, which holds their slots until the last ends. */
    private void callEach(List<EventLog.Delivery> events, Semaphore slots) {
        if (removed) {
            slots.release(events.size());
            return;
        }
        Thread.ofVirtual().name("topic-" + id + "-calls").start(() -> {
            try {
                List<Prepared> calls = new ArrayList<>(events.size());
                for (EventLog.Delivery d : events) {
                    Prepared p = prepare(List.of(d));
                    if (p != null) {
                        calls.add(p);
                    }
                }
                if (!calls.isEmpty()) {
                    List<Functions.Result> results = callKeepingAlive(calls);
                    for (int i = 0; i < calls.size(); i++) {
                        settle(calls.get(i), results.get(i));
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("topic trigger {}: {}", id, e.getMessage());
                handBack(events);
            } finally {
                slots.release(events.size());
            }
        });
    }

    /**
     * Hands back, after the back-off, the events of calls that ended in an error of the node's own:
     * left out until their ack wait, they would leave room for later events of a key-ordered
     * partition to run first. One already settled is not handed out again by the log.
     */
    private void handBack(List<EventLog.Delivery> events) {
        for (EventLog.Delivery d : events) {
            try {
                d.retryIn(backoff(trigger.backoff(), d.attempt()));
            } catch (RuntimeException e) {
                LOG.debug("topic trigger {}: handing back {}: {}", id, d.event().id(), e.getMessage());
            }
        }
    }

    /** One call to make: its events (those the function is for), its input and the key its invocation id and output id derive from. */
    private record Prepared(List<EventLog.Delivery> taken, Payload input, String inputKey) {
        String invocationId() {
            return "ev-" + inputKey;
        }

        /** Under the trace of the event that came first, when its publisher traced it (CloudEvents' Distributed Tracing extension). */
        String traceparent() {
            return taken.getFirst().event().extensions().getOrDefault(TRACEPARENT, "");
        }
    }

    private void handle(List<EventLog.Delivery> all) {
        Prepared call = prepare(all);
        if (call != null) {
            settle(call, callKeepingAlive(call));
        }
    }

    /**
     * The call to make for {@code all}: those it is not for acknowledged untouched, those that
     * cannot be written as CloudEvents dead-lettered; null when none is left.
     */
    private Prepared prepare(List<EventLog.Delivery> all) {
        List<EventLog.Delivery> taken = new ArrayList<>();
        for (EventLog.Delivery d : all) {
            if (accepts.test(d.event())) {
                taken.add(d);
            } else {
                d.ack();
            }
        }
        Payload input = null;
        try {
            input = taken.isEmpty() ? null : envelope(taken);
        } catch (RuntimeException unwritable) {
            // an event whose data is not what its media type says must not hold up the others
            taken.removeIf(d -> !writable(d));
            input = taken.isEmpty() ? null : envelope(taken);
        }
        if (input == null) {
            return null;
        }
        // the same events get the same invocation id at each attempt: ctx.idempotencyKey() lets a function act once
        return new Prepared(taken, input, TriggerNames.digest(taken.stream().map(d -> d.event().id()).toArray(String[]::new)));
    }

    /**
     * What a call's result does to its events: on success its output published, and the events
     * acknowledged once it is kept; on failure each retried after its back-off or dead-lettered.
     */
    private void settle(Prepared call, Functions.Result result) {
        List<EventLog.Delivery> taken = call.taken();
        String inputKey = call.inputKey();
        List<Event> events = taken.stream().map(EventLog.Delivery::event).toList();
        if (result.ok()) {
            CompletableFuture<Boolean> kept = trigger.output().map(out -> Outputs.result(log, app, fn, id, out, events.getFirst(), inputKey, result.payload()))
                    .orElse(CompletableFuture.completedFuture(true));
            if (trigger.keyOrdered()) {
                // the partition's next batch is taken once this one is settled: handed back, it comes before the next
                Throwable failed = null;
                try {
                    kept.join();
                } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                    failed = e.getCause() == null ? e : e.getCause();
                }
                outputSettled(taken, inputKey, failed);
            } else {
                // the slot is free once the call is over; the inputs are acknowledged once the output is kept
                kept.whenComplete((k, failed) -> outputSettled(taken, inputKey, failed));
            }
            return;
        }
        // a call that found no node to run it (or whose node died under it) is not the function's failure: it dead-letters nothing
        boolean ran = !NOT_RUN.contains(result.errorCode());
        for (EventLog.Delivery d : taken) {
            if (ran && d.attempt() >= trigger.maxAttempts() || d.attempt() >= MAX_DELIVERIES) {
                deadLetter(d, result.errorCode(), String.valueOf(result.errorMessage()));
            } else {
                d.retryIn(backoff(trigger.backoff(), d.attempt()));
            }
        }
    }

    /** Acknowledges the events of a call that succeeded once its output is kept, or hands them back when it {@code failed} to be. */
    private void outputSettled(List<EventLog.Delivery> taken, String inputKey, Throwable failed) {
        if (failed == null) {
            taken.forEach(EventLog.Delivery::ack);
        } else {
            // handed out again after the back-off, its output then published under the same id
            LOG.warn("topic trigger {}: the output of {} was not kept: {}", id, inputKey, failed.getMessage());
            taken.forEach(d -> d.retryIn(backoff(trigger.backoff(), d.attempt())));
        }
    }

    private Payload envelope(List<EventLog.Delivery> taken) {
        List<Event> events = taken.stream().map(EventLog.Delivery::event).toList();
        return trigger.batch().batched() ? CloudEventJson.batch(events) : CloudEventJson.one(events.getFirst());
    }

    /** Whether the event can be handed on as a CloudEvent; one that cannot (its data is not what its media type says) is dead-lettered at once. */
    private boolean writable(EventLog.Delivery d) {
        try {
            CloudEventJson.one(d.event());
            return true;
        } catch (RuntimeException e) {
            deadLetter(d, "INVALID_INPUT", "the event cannot be written as a CloudEvent: " + e.getMessage());
            return false;
        }
    }

    /** Sends the event to the trigger's dead-letter subject with the error, and acknowledges it. */
    private void deadLetter(EventLog.Delivery d, String code, String message) {
        Event e = d.event();
        Outputs.deadLetter(e, trigger.deadLetter(), id, code, message, d.attempt()).ifPresent(dead -> {
            log.publish(dead);
            LOG.info("{}/{}: event {} on {} failed {} time(s) ({}), sent to {}", app.name(), fn.name(), e.id(), e.subject(), d.attempt(),
                    code, trigger.deadLetter());
        });
        d.ack();
    }

    /** Calls the function, its events among those said to be in progress every third of the ack wait until it returns. */
    private Functions.Result callKeepingAlive(Prepared p) {
        long call = calls.incrementAndGet();
        inFlight.put(call, p.taken());
        try {
            return functions.call(app.key(), fn.name(), p.input(), p.invocationId(), fn.timeout(), p.traceparent());
        } finally {
            inFlight.remove(call);
        }
    }

    /** {@link #callKeepingAlive(Prepared)} for many calls made at once; their results in their order. */
    private List<Functions.Result> callKeepingAlive(List<Prepared> ps) {
        long call = calls.incrementAndGet();
        inFlight.put(call, ps.stream().flatMap(p -> p.taken().stream()).toList());
        try {
            return functions.callEach(app.key(), fn.name(),
                    ps.stream().map(p -> new Functions.Call(p.input(), p.invocationId(), p.traceparent())).toList(), fn.timeout());
        } finally {
            inFlight.remove(call);
        }
    }

    /**
     * Every third of the ack wait, says that the events of every call running are still being
     * worked on: until closed and, after, until the calls it left running end (an app redeployed
     * mid-call: its events are not handed to the new deployment's runner while they run here).
     */
    private void keepAlive() {
        try {
            while (!closed || !inFlight.isEmpty()) {
                Thread.sleep(ACK_WAIT.dividedBy(3));
                for (List<EventLog.Delivery> running : inFlight.values()) {
                    try {
                        running.forEach(EventLog.Delivery::inProgress);
                    } catch (RuntimeException e) {
                        LOG.debug("topic trigger {}: telling the log its events are in progress: {}", id, e.getMessage());
                    }
                }
            }
        } catch (InterruptedException stop) {
            // the node is stopping
        }
    }

    /** Calls of an unordered trigger a node runs at once for a function of {@code concurrency}: three quarters of it (at least 1), at most {@value #MAX_PARALLEL}. */
    static int parallel(int concurrency) {
        return Math.max(1, Math.min(concurrency - concurrency / 4, MAX_PARALLEL));
    }

    /** The pause after a failed attempt: {@code first}, doubled at each attempt, at most a minute. */
    static Duration backoff(Duration first, long attempt) {
        Duration d = first.multipliedBy(1L << Math.min(Math.max(attempt, 1) - 1, 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        open.forEach(EventLog.Subscription::stopping);
    }

    /**
     * Waits until its lanes have ended, once closed — their calls settled, their subscriptions closed
     * (a key-ordered partition let go) — or until {@code deadline} (System.nanoTime); whether they have.
     */
    @Override
    public boolean awaitEnded(long deadline) throws InterruptedException {
        for (Thread lane : lanes) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !lane.join(Duration.ofNanos(left))) {
                return false;
            }
        }
        return true;
    }

    /** Closes the trigger of an app removed: events its last request to the log brings are not run. */
    @Override
    public void closeRemoved() {
        removed = true;
        close();
    }
}
