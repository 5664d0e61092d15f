package dev.skyfn.core.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;

/**
 * What runs a function besides a call to it, declared in its manifest under
 * {@code functions.<name>.triggers}. Each event reaches the function as a CloudEvent (CloudEvents
 * 1.0, structured JSON mode), or a batch of them as a JSON array.
 */
public sealed interface Trigger {

    /** The trigger's place in its function's list, from 0: with the tenant, app and function it names the trigger's durable state. */
    int index();

    /**
     * Fires at each tick of a schedule, once per tick across a fleet.
     *
     * @param input the event's {@code data} (EventBridge's constant {@code Input}); an empty object when not given
     */
    record OnSchedule(int index, Schedule schedule, JsonNode input) implements Trigger {
    }

    /**
     * Runs the function for the events published to the subjects {@code subject} matches, at least
     * once each: acknowledged once the function succeeds; handed out again after {@code backoff},
     * doubled on each attempt (a minute at most); after {@code maxAttempts} failed attempts
     * published to {@code deadLetter} with the error, and acknowledged.
     *
     * @param batch      how many events one call takes at most, and how long a call waits for more
     * @param keyOrdered events of one partition key ({@code partitionkey}) are delivered in the order
     *                   published, one at a time, across the fleet
     * @param output     the subject the function's result is published to (a stream function), if any
     * @param atMostOnce each event is handed, as it is published and before the log keeps it, to one
     *                   node serving the app, which calls the function once (NATS core delivery to a
     *                   queue group): no acknowledgement, no retry, and none for a node that was not
     *                   listening; a failed call, or an event that finds every slot of the trigger on
     *                   its node taken, goes to {@code deadLetter}; its {@code batch} is one event, its
     *                   {@code maxAttempts} 1, and it is not ordered by key.
     */
    record OnTopic(int index, String subject, Batch batch, int maxAttempts, Duration backoff, String deadLetter,
                   boolean keyOrdered, Optional<String> output, boolean atMostOnce) implements Trigger {
    }

    /**
     * Runs the function for each change of the app's global data layer under a key starting with
     * {@code prefix} ({@code ""}: every key), with the key, the operation and the values before and
     * after, the changes of one key in the order they were made on a node; failures as a topic's.
     */
    record OnState(int index, String prefix, int maxAttempts, Duration backoff, String deadLetter) implements Trigger {

        /** The internal subject the changes of {@code app}'s global layer are published to (no tenant can publish there). */
        public static String subject(String app) {
            return "$state." + app;
        }

        /** The subscription that takes the app's changes: one at a time per key, in order. */
        public OnTopic asTopic(String app) {
            return new OnTopic(index, subject(app), Batch.ONE, maxAttempts, backoff, deadLetter, true, Optional.empty(), false);
        }
    }

    /** A call takes up to {@code size} events, waiting at most {@code window} for them to come. */
    record Batch(int size, Duration window) {
        public static final Batch ONE = new Batch(1, Duration.ZERO);

        public boolean batched() {
            return size > 1;
        }
    }
}
