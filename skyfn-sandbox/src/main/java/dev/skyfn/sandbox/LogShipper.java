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
 * Sends log lines to the node in batches, in the order they were written. Bounded: an app that
 * logs faster than the node reads loses lines (and a line says how many), it does not fill the heap.
 */
final class LogShipper implements LogSink {

    static final int MAX_LINE_CHARS = 16 * 1024;
    private static final int MAX_QUEUED = 10_000;
    private static final int BATCH = 512;

    private final FrameChannel channel;
    private final BlockingQueue<LogLine> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
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

    @Override
    public void add(String invocationId, String function, LogLine.Kind kind, String text) {
        if (text.length() > MAX_LINE_CHARS) {
            text = text.substring(0, MAX_LINE_CHARS) + " …[" + (text.length() - MAX_LINE_CHARS) + " more characters cut]";
        }
        if (queue.offer(new LogLine(invocationId, function, kind, System.currentTimeMillis(), text))) {
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
        List<LogLine> batch = new ArrayList<>();
        while (queue.drainTo(batch, BATCH) > 0 || dropped.get() > 0) {
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                batch.add(new LogLine("", "", LogLine.Kind.WARN, System.currentTimeMillis(),
                        "[skyfn] " + lost + " log lines dropped: the app logs faster than they can be shipped"));
            }
            channel.send(new Message.Logs(batch));
            batch.clear();
        }
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
