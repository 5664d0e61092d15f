package dev.skyfn.nats.nodes;

import io.nats.client.KeyValue;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node's heartbeat: its report put in the nodes' bucket at a steady pace; closing it says goodbye. */
public final class Heartbeat implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final KeyValue bucket;
    private final Duration every;
    private final Supplier<NodeReport> report;
    private final String node;
    private final Thread thread;
    private volatile boolean stopped;

    Heartbeat(KeyValue bucket, Duration every, Supplier<NodeReport> report) {
        this.bucket = bucket;
        this.every = every;
        this.report = report;
        this.node = report.get().node();
        this.thread = Thread.ofVirtual().name("heartbeat-" + node).start(this::run);
    }

    private void run() {
        while (!stopped) {
            try {
                bucket.put(node, NodeDirectory.json(report.get()));
            } catch (Exception e) {
                // NATS reconnects by itself; the next beat tries again
                LOG.debug("heartbeat of {} not delivered: {}", node, e.getMessage());
            }
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops beating without a goodbye, as a node that died would. */
    public void stop() {
        stopped = true;
        thread.interrupt();
    }

    /** Stops beating and removes the node from the directory. */
    @Override
    public void close() {
        stop();
        try {
            thread.join(every.toMillis() + 1000);
            bucket.delete(node);
        } catch (Exception e) {
            LOG.debug("goodbye of {} not delivered: {}", node, e.getMessage());
        }
    }
}
