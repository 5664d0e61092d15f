package dev.skyfn.events;

import dev.skyfn.core.app.DeployedApp;
import dev.skyfn.core.manifest.FunctionSpec;
import dev.skyfn.core.trigger.Event;
import dev.skyfn.core.trigger.EventLog;
import dev.skyfn.core.trigger.Trigger;
import dev.skyfn.core.wire.Payload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one function for the events of one topic trigger on this node: takes them from the
 * trigger's shared subscription (every node serving the app takes a share), calls the function
 * with one event or a batch, and acknowledges them once it succeeded — after publishing its
 * result to the trigger's output, if any, under an id derived from the input's, so that a
 * redelivered input publishes no second output (effectively once). A failed call's events are
 * handed out again after the trigger's back-off, doubled at each attempt up to a minute; an
 * event that failed {@code maxAttempts} times goes to the dead-letter subject, with the error in
 * its {@code errorcode}, {@code errormessage}, {@code attempts} and {@code deadlettersubject}
 * extensions, and is acknowledged. Ordered by key, it reads each of the
 * {@value Event#PARTITIONS} partitions one batch at a time, across the fleet.
 */
final class TopicRunner implements AutoCloseable {

    static final String RESULT_TYPE = "dev.skyfn.function.v1.result";
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** How long a lane waits for its first event before it looks again whether it should stop. */
    private static final Duration POLL = Duration.ofSeconds(1);
    /** A batch without a window still waits this long for events already on their way. */
    private static final Duration MIN_WINDOW = Duration.ofMillis(10);
    private static final int MAX_LANES = 8;
    private static final Logger LOG = LoggerFactory.getLogger(TopicRunner.class);

    private final EventLog log;
    private final Functions functions;
    private final DeployedApp app;
    private final FunctionSpec fn;
    private final Trigger.OnTopic trigger;
    private final String id;
    private final List<Thread> lanes = new ArrayList<>();
    private volatile boolean closed;

    TopicRunner(EventLog log, Functions functions, DeployedApp app, FunctionSpec fn, Trigger.OnTopic trigger) {
        this.log = log;
        this.functions = functions;
        this.app = app;
        this.fn = fn;
        this.trigger = trigger;
        this.id = TriggerNames.id(app, fn, trigger);
    }

    void start() {
        // the call may queue behind others of its function before it runs: the ack wait leaves it room
        Duration ackWait = fn.timeout().plusSeconds(30);
        String name = "trg-" + TriggerNames.digest(id, trigger.subject(), Boolean.toString(trigger.keyOrdered()));
        if (trigger.keyOrdered()) {
            for (int p = 0; p < Event.PARTITIONS; p++) {
                var sub = log.subscribe(name + "-" + p, app.tenant(), trigger.subject(), p, ackWait, trigger.batch().size());
                lanes.add(Thread.ofVirtual().name("topic-" + id + "-" + p).start(() -> take(sub)));
            }
        } else {
            int parallel = Math.min(fn.concurrency(), MAX_LANES);
            var sub = log.subscribe(name, app.tenant(), trigger.subject(), -1, ackWait, parallel * trigger.batch().size());
            for (int i = 0; i < parallel; i++) {
                lanes.add(Thread.ofVirtual().name("topic-" + id + "-" + i).start(() -> take(sub)));
            }
        }
    }

    private void take(EventLog.Subscription sub) {
        while (!closed) {
            try {
                List<EventLog.Delivery> taken = new ArrayList<>(sub.fetch(1, POLL));
                if (taken.isEmpty()) {
                    continue;
                }
                if (trigger.batch().batched()) {
                    Duration window = trigger.batch().window().compareTo(MIN_WINDOW) < 0 ? MIN_WINDOW : trigger.batch().window();
                    taken.addAll(sub.fetch(trigger.batch().size() - 1, window));
                }
                handle(taken);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("topic trigger {}: {}", id, e.getMessage());
                    sleepQuietly(POLL);
                }
            }
        }
        sub.close();
    }

    private void handle(List<EventLog.Delivery> taken) {
        List<Event> events = taken.stream().map(EventLog.Delivery::event).toList();
        Payload input = trigger.batch().batched() ? CloudEventJson.batch(events) : CloudEventJson.one(events.getFirst());
        // the same events get the same invocation id at each attempt: ctx.idempotencyKey() lets a function act once
        String inputKey = TriggerNames.digest(events.stream().map(Event::id).toArray(String[]::new));
        Functions.Result result = functions.call(app.key(), fn.name(), input, "ev-" + inputKey, fn.timeout());
        if (result.ok()) {
            trigger.output().ifPresent(out -> publishOutput(out, events, inputKey, result.payload()));
            taken.forEach(EventLog.Delivery::ack);
            return;
        }
        for (EventLog.Delivery d : taken) {
            if (d.attempt() >= trigger.maxAttempts()) {
                Event e = d.event();
                log.publish(e.forward(trigger.deadLetter(), "dead-letter:" + id + ":" + e.id(), Map.of(
                        "errorcode", result.errorCode(), "errormessage", String.valueOf(result.errorMessage()),
                        "attempts", Long.toString(d.attempt()), "deadlettersubject", e.subject())));
                LOG.info("{}/{}: event {} on {} failed {} times ({}), sent to {}", app.name(), fn.name(), e.id(), e.subject(),
                        d.attempt(), result.errorCode(), trigger.deadLetter());
                d.ack();
            } else {
                d.retryIn(backoff(trigger.backoff(), d.attempt()));
            }
        }
    }

    /** The pause after a failed attempt: {@code first}, doubled at each attempt, at most a minute. */
    static Duration backoff(Duration first, long attempt) {
        Duration d = first.multipliedBy(1L << Math.min(Math.max(attempt, 1) - 1, 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private void publishOutput(String subject, List<Event> inputs, String inputKey, Payload result) {
        byte[] data;
        String contentType;
        switch (result) {
            case Payload.Body b -> {
                data = b.bytes();
                contentType = b.contentType();
            }
            case Payload.Response r -> {
                data = r.response().body();
                contentType = r.response().header("content-type");
            }
            default -> {
                return; // a null result publishes nothing
            }
        }
        Event first = inputs.getFirst();
        log.publish(new Event(app.tenant(), subject, "out:" + id + ":" + inputKey, "/skyfn/" + app.tenant() + "/" + app.name() + "/" + fn.name(),
                RESULT_TYPE, Instant.now(), contentType, first.partitionKey(), Map.of(), data));
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
    }
}
