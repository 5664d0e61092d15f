package dev.skyfn.events;

/** What runs one topic or state trigger of an app on this node, from its start until it is closed and its calls have ended. */
interface TriggerRunner extends AutoCloseable {

    /** Starts taking the trigger's events. */
    void start();

    /** Takes no more events; the calls running end on their own. */
    @Override
    void close();

    /** Closes the trigger of an app removed: events already on their way to this node are not run. */
    void closeRemoved();

    /** Waits, once closed, until its calls have ended, or until {@code deadline} (System.nanoTime); whether they have. */
    boolean awaitEnded(long deadline) throws InterruptedException;
}
