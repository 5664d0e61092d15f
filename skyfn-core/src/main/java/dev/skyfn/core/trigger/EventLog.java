package dev.skyfn.core.trigger;

import java.time.Duration;
import java.util.List;

/**
 * Where tenants' events are published and from which subscriptions take them: a JetStream stream
 * in a fleet, the node's memory on one machine. A subscription is durable and shared: every
 * node that opens it by the same name takes a share of its events, and an event is handed out
 * again, to any of them, until one acknowledges it.
 */
public interface EventLog extends AutoCloseable {

    /**
     * Publishes an event; returns once it is kept, true — or false when it was dropped: an event of
     * the same tenant and id was published within two minutes (to any of its subjects).
     */
    boolean publish(Event event);

    /**
     * {@link #publish} without waiting for the log to keep the event: completes true once kept,
     * false when dropped as a duplicate, exceptionally when the log did not take it (503
     * {@code UNAVAILABLE}: out of reach). A log that keeps events at once answers here.
     */
    default java.util.concurrent.CompletableFuture<Boolean> publishAsync(Event event) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(publish(event));
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@link #publish}, answering besides when the publisher may let the event go: at once for a
     * log that keeps events across its own restarts (JetStream, once it acknowledged the
     * publication, or dropped a duplicate); for one that keeps them in memory only, once every
     * subscription that wanted the event when it was published has acknowledged it or been
     * forgotten. A publisher that holds the event on its own disk until then (the state outbox)
     * loses none when the process dies. Throws as {@code publish} does; the answer never fails,
     * and is never completed if the log closes first.
     */
    default java.util.concurrent.CompletableFuture<Void> publishTaken(Event event) {
        publish(event);
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * Opens (creating on first use) the subscription {@code name} to the events of {@code tenant}
     * on subjects matching {@code pattern}, of one partition ({@code 0..}{@link Event#PARTITIONS}{@code -1})
     * or all ({@code -1}), published from {@code since} on (when it is first created: the
     * deployment that declared it, so that no event published once the deployment is done is
     * missed however late a node opens it). An event not acknowledged within {@code ackWait}, nor
     * said to be in progress, is handed out again; at most {@code maxUnacknowledged} are out at once.
     * A subscription of one partition with room for more than one event out (key-ordered batches)
     * hands events to one of the nodes that opened it at a time, so that two of its batches never run
     * side by side; the others take nothing until it closes or stops answering.
     */
    Subscription subscribe(String name, String tenant, String pattern, int partition, java.time.Instant since, Duration ackWait,
                           int maxUnacknowledged);

    /**
     * Whether a subscription of {@code partition} (-1: all) with room for {@code maxUnacknowledged}
     * events out hands them to one of the nodes that opened it at a time: a key-ordered partition
     * taken in batches, two of which must never run side by side.
     */
    static boolean exclusive(int partition, int maxUnacknowledged) {
        return partition >= 0 && maxUnacknowledged > 1;
    }

    /**
     * Hands each event of {@code tenant} on a subject matching {@code pattern}, published from now
     * until the listener closes, to {@code each} of one listener of {@code group} (every node
     * serving a trigger listens in the trigger's group, and each event goes to one of them): at most
     * once, as it is published — in a fleet before JetStream has kept it (NATS core delivery to a
     * queue group, of the events the publishing node was told are wanted: {@link #heardAhead}), on
     * one machine once kept — with nothing to acknowledge and nothing handed out again, and none
     * for a group with no listener when it was published. {@code each} runs on the
     * log's delivery thread (in a fleet one per listener; on one machine the publisher's) and must
     * not block. In a fleet a publication repeated under an id the log drops as a duplicate is
     * handed to the group again; on one machine it is not.
     *
     * @throws dev.skyfn.core.SkyfnException {@code UNAVAILABLE} when the log is out of reach
     */
    Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each);

    /**
     * {@link #listen(String, String, String, java.util.function.Consumer)}, and in a fleet, each such
     * event published through this node offered first to {@code takesHere}, on the publisher's thread
     * (it must not block): true when it took the event, which then runs on this node and is handed to
     * no other member of {@code group} — a local bus beside the fleet's, as SAND's hierarchical message
     * queuing keeps a host's events on the host (Akkus et al., USENIX ATC 2018). False leaves it to
     * NATS, which hands it to one member of the group as usual. A log that hands events on the
     * publisher's thread anyway (one machine's) needs nothing of it.
     */
    default Listener listen(String group, String tenant, String pattern, java.util.function.Consumer<Event> each,
                            java.util.function.Predicate<Event> takesHere) {
        return listen(group, tenant, pattern, each);
    }

    /**
     * Which events some listener ({@link #listen}) of the fleet may want, for a log that can hand
     * those to its listeners before it keeps them: in a fleet, such an event is also sent on core
     * NATS to the listeners' subjects, ahead of its publication to JetStream (whose subscribers the
     * server serves only once the stream has stored it). A log that hands each event to its
     * listeners as it keeps it needs nothing of this. The last predicate given holds.
     */
    default void heardAhead(java.util.function.Predicate<Event> wanted) {
    }

    /** A listener of {@link #listen}: closed, it is handed no more events. */
    interface Listener extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Deletes the subscription {@code name} with what it knows — how far it has read, the events it
     * handed out — its trigger gone (its app removed, or a version without it deployed): opened
     * again, it starts afresh. Nothing when there is none.
     */
    void forget(String name);

    /** A durable subscription, as one node takes from it. */
    interface Subscription extends AutoCloseable {

        /**
         * Hands up to {@code max} events to {@code each} as they come, waiting at most {@code wait}
         * for them (one request to the log, however many it brings); returns how many it handed,
         * as soon as {@code max} have come.
         */
        int take(int max, Duration wait, java.util.function.Consumer<Delivery> each) throws InterruptedException;

        /** Up to {@code max} events, waiting at most {@code wait} for them; returns as soon as {@code max} have come. */
        default List<Delivery> fetch(int max, Duration wait) throws InterruptedException {
            List<Delivery> taken = new java.util.ArrayList<>();
            take(max, wait, taken::add);
            return taken;
        }

        /**
         * Says this node will take nothing more from it and closes it once its calls end: the other
         * nodes need not wait for the close to take up its share of a key-ordered trigger's partitions.
         */
        default void stopping() {
        }

        @Override
        void close();
    }

    /** One event handed out. */
    interface Delivery {
        Event event();

        /** How many times it has been handed out, this time included. */
        long attempt();

        /** Done: nobody gets it again. */
        void ack();

        /** Still being worked on: its ack wait starts again. */
        void inProgress();

        /** Not done: handed out again after {@code pause}. */
        void retryIn(Duration pause);
    }

    @Override
    void close();
}
