package dev.skyfn.sandbox;

import dev.skyfn.core.wire.FrameChannel;
import dev.skyfn.core.wire.LogLine;
import dev.skyfn.core.wire.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends log lines to the node in batches, in the order they were written, each batch with the
 * slot of the app that wrote it. Bounded: an app that logs faster than the node reads loses lines
 * (and a line says how many), it does not fill the heap.
 */
final class LogShipper {

    static final int MAX_LINE_CHARS = 16 * 1024;
    private static final int MAX_QUEUED = 10_000;
    private static final int BATCH = 512;

    private final FrameChannel channel;
    private record Queued(int slot, LogLine line) {
    }

    private final BlockingQueue<Queued> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final Semaphore waiting = new Semaphore(0);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread shipper;

    LogShipper(FrameChannel channel) {
        this.channel = channel;
        this.shipper = Thread.ofPlatform().daemon().name("skyfn-log-shipper").start(this::shipForever);
    }

    void close() {
        shipper.interrupt();
    }

    /** Where the lines of the app in {@code slot} go. */
    LogSink forSlot(int slot) {
        return (invocationId, function, kind, text) -> add(slot, invocationId, function, kind, text);
    }

    void add(int slot, String invocationId, String function, LogLine.Kind kind, String text) {
        if (text.length() > MAX_LINE_CHARS) {
            text = text.substring(0, MAX_LINE_CHARS) + " …[" + (text.length() - MAX_LINE_CHARS) + " more characters cut]";
        }
        if (queue.offer(new Queued(slot, new LogLine(invocationId, function, kind, System.currentTimeMillis(), text)))) {
            waiting.release();
        } else {
            dropped.incrementAndGet();
        }
    }

    /**
     * Sends what is queued now. An invocation calls it before sending its result, so its lines
     * reach the node first; being synchronized, it also waits out a batch the shipper is sending.
     */
    synchronized void flush() {
        List<Queued> batch = new ArrayList<>();
        while (queue.drainTo(batch, BATCH) > 0 || dropped.get() > 0) {
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                batch.add(new Queued(batch.isEmpty() ? 0 : batch.getLast().slot(), new LogLine("", "", LogLine.Kind.WARN,
                        System.currentTimeMillis(), "[skyfn] " + lost + " log lines dropped: the app logs faster than they can be shipped")));
            }
            sendBySlot(batch);
            batch.clear();
        }
    }

    /** One Logs message per run of lines of the same app, in order. */
    private void sendBySlot(List<Queued> batch) {
        List<LogLine> run = new ArrayList<>();
        int slot = batch.getFirst().slot();
        for (Queued q : batch) {
            if (q.slot() != slot) {
                channel.send(new Message.Logs(slot, run));
                run.clear();
                slot = q.slot();
            }
            run.add(q.line());
        }
        channel.send(new Message.Logs(slot, run));
    }

    private void shipForever() {
        while (channel.isOpen()) {
            try {
                waiting.acquire();
                waiting.drainPermits();
                flush();
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
