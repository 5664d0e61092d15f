package dev.skyfn.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skyfn.core.wire.Message;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The node hears of a slot's direct calls as they change, and of nothing while none runs. */
class DirectConcurrencyTest {

    private final BlockingQueue<Message> toNode = new LinkedBlockingQueue<>();
    private final DirectConcurrency direct = new DirectConcurrency(toNode::add);

    private Message.Concurrency next() throws InterruptedException {
        Message m = toNode.poll(5, TimeUnit.SECONDS);
        assertThat(m).as("a report").isInstanceOf(Message.Concurrency.class);
        return (Message.Concurrency) m;
    }

    /** Reports until one gives these counts (a report may come between two changes made at once). */
    private void until(Message.Concurrency.SlotCalls... counts) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Message.Concurrency last = null;
        while (System.nanoTime() < end) {
            Message m = toNode.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (m instanceof Message.Concurrency c) {
                last = c;
                if (c.slots().size() == counts.length && c.slots().containsAll(List.of(counts))) {
                    return;
                }
            }
        }
        throw new AssertionError("no report of " + List.of(counts) + "; the last: " + last);
    }

    private static Message.Concurrency.SlotCalls slot(int slot, int n) {
        return new Message.Concurrency.SlotCalls(slot, n);
    }

    @Test
    void reportsEachSlotsCallsWhenTheyChangeAndFallsSilentWhenNoneRuns() throws InterruptedException {
        direct.started(2);
        assertThat(next().slots()).containsExactly(slot(2, 1));

        direct.started(2);
        direct.started(5);
        until(slot(2, 2), slot(5, 1));

        direct.ended(2);
        direct.ended(2);
        direct.ended(5);
        until(slot(2, 0), slot(5, 0));
        assertThat(toNode.poll(3 * DirectConcurrency.EVERY.toMillis(), TimeUnit.MILLISECONDS)).as("nothing more while idle").isNull();

        // and wakes for the next call at once
        direct.started(5);
        assertThat(next().slots()).containsExactlyInAnyOrder(slot(2, 0), slot(5, 1));
    }
}
