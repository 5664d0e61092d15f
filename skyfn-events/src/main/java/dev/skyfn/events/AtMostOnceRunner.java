package dev.skyfn.events;

import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Trigger;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one function for the events of a topic trigger delivered at most once
 * ({@code delivery: at-most-once}) on this node: the node listens in the trigger's group
 * ({@link EventLog#listen}: in a fleet a NATS queue group, each publication handed to one node as
 * the server routes it, before JetStream has kept it), and calls the function once per event, with
 * no acknowledgement and no retry. A failed call's event goes to the dead-letter subject, as does an
 * event that finds all the trigger's calls on this node running (three quarters of the function's
 * {@code concurrency}, as for a trigger delivered at least once), with {@code TOO_MANY_REQUESTS}: it
 * is not dropped unseen. A result is published to the trigger's output, if any, once; an output the
 * log does not keep is logged and lost. Events published while no node listens, or handed to a
 * node that dies before its call ends, are not run. An event published through a node serving the
 * trigger while none of the trigger's calls runs there is taken there, without going round through
 * NATS ({@link EventLog#listen(String, String, String, java.util.function.Consumer, java.util.function.Predicate)}).
 */
final class AtMostOnceRunner implements TriggerRunner {

    private static final Logger LOG = LoggerFactory.getLogger(AtMostOnceRunner.class);
    /** How long a runner whose log could not be reached waits before it listens again. */
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final EventLog log;
    private final Functions functions;
    private final DeployedApp app;
    private final FunctionSpec fn;
    private final Trigger.OnTopic trigger;
    private final String group;
    private final String id;
    private final int parallel;
    private final Semaphore slots;
    private volatile boolean closed;
    /** The trigger's app was removed: a call that then fails for want of it dead-letters nothing. */
    private volatile boolean removed;
    private volatile EventLog.Listener listener;

    /** @param group the name the nodes serving the trigger listen under ({@link TriggerNames#subscription}) */
    AtMostOnceRunner(EventLog log, Functions functions, DeployedApp app, FunctionSpec fn, Trigger.OnTopic trigger, String group) {
        this.log = log;
        this.functions = functions;
        this.app = app;
        this.fn = fn;
        this.trigger = trigger;
        this.group = group;
        this.id = TriggerNames.id(app, fn, trigger);
        this.parallel = TopicRunner.parallel(fn.concurrency());
        this.slots = new Semaphore(parallel);
    }

    /** Listens now, so that an event published once the deployment is done finds it; a log out of reach is tried again every second. */
    @Override
    public void start() {
        if (!listen()) {
            Thread.ofVirtual().name("topic-" + id + "-listen").start(() -> {
                while (!closed && !listen()) {
                    try {
                        Thread.sleep(RETRY);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    private boolean listen() {
        try {
            EventLog.Listener opened = log.listen(group, app.tenant(), trigger.subject(), this::deliver, this::takeHere);
            synchronized (this) {
                if (closed) {
                    opened.close();
                } else {
                    listener = opened;
                }
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warn("topic trigger {}: cannot listen yet ({}); trying again", id, e.getMessage());
            return false;
        }
    }

    /** On the log's delivery thread: never blocks. */
    private void deliver(Event e) {
        if (closed) {
            return;
        }
        if (!slots.tryAcquire()) {
            deadLetterElsewhere(e, "TOO_MANY_REQUESTS", "all " + parallel + " of the trigger's calls on this node were running");
            return;
        }
        start(e);
    }

    /**
     * On the thread publishing {@code e} through this node: takes it to run here when none of the
     * trigger's calls is running on this node. Events that come while some run are left to the
     * queue group, which spreads them over the nodes serving the trigger.
     */
    private boolean takeHere(Event e) {
        if (closed || slots.availablePermits() < parallel || !slots.tryAcquire()) {
            return false;
        }
        start(e);
        return true;
    }

    /**
     * Calls the function with {@code e}, holding one of the slots until the call ends. The call is
     * sent on this thread when its sandbox is warm ({@link Functions#callAsync}): a thread started
     * for it would first have to be scheduled — 50–160 µs on a machine whose CPUs idle between
     * events, a third of an event's way to its function.
     */
    private void start(Event e) {
        Payload input;
        try {
            input = CloudEventJson.one(e);
        } catch (RuntimeException unwritable) {
            slots.release();
            deadLetterElsewhere(e, "INVALID_INPUT", "the event cannot be written as a CloudEvent: " + unwritable.getMessage());
            return;
        }
        String inputKey = TriggerNames.digest(e.id());
        CompletableFuture<Functions.Result> call;
        try {
            call = functions.callAsync(app.key(), fn.name(), input, "ev-" + inputKey, fn.timeout(),
                    e.extensions().getOrDefault(TopicRunner.TRACEPARENT, ""));
        } catch (RuntimeException failed) {
            call = CompletableFuture.failedFuture(failed);
        }
        call.whenComplete((result, failed) -> {
            slots.release();
            if (failed != null) {
                LOG.warn("topic trigger {}: event {}: {}", id, e.id(), failed.getMessage());
            } else if (!result.ok() || trigger.output().isPresent()) {
                // on the thread that read the answer: what follows a failure or a result to publish goes on a thread of its own
                Thread.ofVirtual().name("topic-" + id + "-ended").start(() -> ended(e, inputKey, result));
            }
        });
    }

    private void ended(Event e, String inputKey, Functions.Result result) {
        if (!result.ok()) {
            if (removed && "APP_NOT_FOUND".equals(result.errorCode())) {
                return; // the app's events go with it, as a trigger delivered at least once lets them go
            }
            deadLetter(e, result.errorCode(), String.valueOf(result.errorMessage()));
            return;
        }
        trigger.output().ifPresent(out -> Outputs.result(log, app, fn, id, out, e, inputKey, result.payload())
                .whenComplete((kept, failed) -> {
                    if (failed != null) {
                        LOG.warn("topic trigger {}: the output of event {} was not kept, and is lost: {}", id, e.id(), failed.getMessage());
                    }
                }));
    }

    /**
     * {@link #deadLetter} on a thread of its own, not the log's delivery thread: on one machine that is
     * the publisher's, and the dead letter may come back to this trigger on it.
     */
    private void deadLetterElsewhere(Event e, String code, String message) {
        Thread.ofVirtual().name("topic-" + id + "-dead-letter").start(() -> deadLetter(e, code, message));
    }

    /** Publishes {@code e} to the dead-letter subject without waiting for the log (none when it went round too often already). */
    private void deadLetter(Event e, String code, String message) {
        var dead = Outputs.deadLetter(e, trigger.deadLetter(), id, code, message, 1);
        if (dead.isEmpty()) {
            return;
        }
        LOG.info("{}/{}: event {} on {} not run ({}), sent to {}", app.name(), fn.name(), Outputs.abbreviated(e.id()), e.subject(), code,
                trigger.deadLetter());
        log.publishAsync(dead.get()).whenComplete((kept, failed) -> {
            if (failed != null) {
                LOG.warn("topic trigger {}: event {} could not be sent to {}, and is lost: {}", id, Outputs.abbreviated(e.id()),
                        trigger.deadLetter(), failed.getMessage());
            }
        });
    }

    @Override
    public void close() {
        EventLog.Listener open;
        synchronized (this) {
            closed = true;
            open = listener;
            listener = null;
        }
        if (open != null) {
            open.close();
        }
    }

    @Override
    public void closeRemoved() {
        removed = true;
        close();
    }

    @Override
    public boolean awaitEnded(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !slots.tryAcquire(parallel, left, TimeUnit.NANOSECONDS)) {
            return false;
        }
        slots.release(parallel);
        return true;
    }
}
