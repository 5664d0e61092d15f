package dev.skyfn.sandbox;

import dev.skyfn.core.wire.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The direct calls each slot runs now, told to the node ({@link Message.Concurrency}) when they
 * changed, at most every {@link #EVERY}: the node does not see these calls start or end, and counts
 * them among the app's calls in flight from these reports. Counting costs a call two atomic adds;
 * the reporting thread sleeps while no direct call runs.
 */
final class DirectConcurrency {

    static final Duration EVERY = Duration.ofMillis(50);

    private final Map<Integer, AtomicInteger> bySlot = new ConcurrentHashMap<>();
    private final Consumer<Message> node;
    /** Released when a call starts while the reporter waits for one. */
    private final Semaphore work = new Semaphore(0);
    private volatile boolean waiting;

    DirectConcurrency(Consumer<Message> node) {
        this.node = node;
        Thread.ofVirtual().name("skyfn-direct-concurrency").start(this::report);
    }

    void started(int slot) {
        bySlot.computeIfAbsent(slot, s -> new AtomicInteger()).incrementAndGet();
        if (waiting) {
            waiting = false;
            work.release();
        }
    }

    void ended(int slot) {
        bySlot.get(slot).decrementAndGet();
    }

    private void report() {
        Map<Integer, Integer> sent = Map.of();
        long sentAt = System.nanoTime() - EVERY.toNanos();
        try {
            while (true) {
                Map<Integer, Integer> now = counts();
                if (!now.equals(sent)) {
                    // woken by a call soon after the last report: a report every EVERY at most, whatever the calls do
                    long early = sentAt + EVERY.toNanos() - System.nanoTime();
                    if (early > 0) {
                        Thread.sleep(java.time.Duration.ofNanos(early));
                        now = counts();
                    }
                    List<Message.Concurrency.SlotCalls> slots = new ArrayList<>();
                    now.forEach((slot, n) -> slots.add(new Message.Concurrency.SlotCalls(slot, n)));
                    node.accept(new Message.Concurrency(slots));
                    sent = now;
                    sentAt = System.nanoTime();
                }
                if (now.values().stream().allMatch(n -> n == 0)) {
                    waiting = true;
                    // a call that started before the flag was up is seen here; one after it releases the semaphore
                    if (counts().values().stream().allMatch(n -> n == 0)) {
                        work.acquire();
                    }
                    waiting = false;
                    work.drainPermits();
                } else {
                    Thread.sleep(EVERY);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every slot that ever ran a direct call, with its count now. */
    private Map<Integer, Integer> counts() {
        Map<Integer, Integer> now = new java.util.HashMap<>();
        bySlot.forEach((slot, n) -> now.put(slot, n.get()));
        return now;
    }
}
