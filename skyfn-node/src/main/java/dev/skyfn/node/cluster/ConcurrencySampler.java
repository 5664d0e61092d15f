package dev.skyfn.node.cluster;

import dev.skyfn.core.app.AppKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the calls in flight per app on this node at a fixed rate and averages them between two
 * heartbeats: what the fleet's autoscaler scales on (Knative's queue-proxy reports the same
 * average concurrency). Sampling keeps the count off the call path; its average is unbiased.
 * It also adds up how long the node had any call in flight — each gap between two samples counted
 * busy when the later one saw a call — what a serverless pool bills a node by.
 */
final class ConcurrencySampler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConcurrencySampler.class);
    static final Duration EVERY = Duration.ofMillis(50);

    private final List<Supplier<Map<AppKey, Integer>>> sources;
    private final Map<AppKey, Long> sums = new HashMap<>();
    private long samples;
    private long lastSampleNanos = System.nanoTime();
    private volatile long busyNanos;
    private final Thread thread;

    /** Samples the sum of {@code sources} (calls in sandboxes, calls waiting at the gateway) every {@link #EVERY}. */
    ConcurrencySampler(List<Supplier<Map<AppKey, Integer>>> sources) {
        this.sources = List.copyOf(sources);
        this.thread = Thread.ofVirtual().name("concurrency-sampler").start(this::run);
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                sample();
                Thread.sleep(EVERY);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.debug("a concurrency sample failed: {}", e.toString());
            }
        }
    }

    private void sample() {
        Map<AppKey, Integer> now = new HashMap<>();
        for (Supplier<Map<AppKey, Integer>> source : sources) {
            source.get().forEach((k, n) -> now.merge(k, n, Integer::sum));
        }
        long at = System.nanoTime();
        if (now.values().stream().anyMatch(n -> n > 0)) {
            // a gap longer than a few samples is this process paused, not a node at work
            busyNanos += Math.min(at - lastSampleNanos, 4 * EVERY.toNanos());
        }
        lastSampleNanos = at;
        synchronized (this) {
            samples++;
            now.forEach((k, n) -> sums.merge(k, (long) n, Long::sum));
        }
    }

    /** How long, in ms since this sampler started, the node had at least one call in flight. */
    long busyMs() {
        return busyNanos / 1_000_000;
    }

    /** The average calls in flight per app ({@code tenant/app}) since the last time this was asked, and a fresh start. */
    synchronized Map<String, Double> drain() {
        Map<String, Double> averages = new HashMap<>();
        if (samples > 0) {
            sums.forEach((k, sum) -> averages.put(k.toString(), sum / (double) samples));
        }
        sums.clear();
        samples = 0;
        return averages;
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
