package dev.skyfn.nats.nodes;

import io.nats.client.Connection;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's heartbeat: its report published on {@code skyfn.heartbeat.<node>} over core NATS at a
 * steady pace; closing it says goodbye (an empty message). Core NATS, not JetStream, so that
 * liveness does not depend on the cloud that holds the state.
 */
public final class Heartbeat implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final Connection connection;
    private final Duration every;
    private final Supplier<NodeReport> report;
    private final String node;
    private final Thread thread;
    private volatile boolean stopped;

    Heartbeat(Connection connection, Duration every, Supplier<NodeReport> report) {
        this.connection = connection;
        this.every = every;
        this.report = report;
        this.node = report.get().node();
        this.thread = Thread.ofVirtual().name("heartbeat-" + node).start(this::run);
    }

    private void run() {
        while (!stopped) {
            beat();
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Beats now, out of step: what the node says of itself has changed in a way the fleet must hear at once. */
    public void beatNow() {
        if (!stopped) {
            beat();
        }
    }

    private void beat() {
        try {
            connection.publish(NodeDirectory.subject(node), NodeDirectory.json(report.get()));
        } catch (RuntimeException e) {
            // NATS reconnects by itself; the next beat tries again
            LOG.debug("heartbeat of {} not sent: {}", node, e.getMessage());
        }
    }

    /** Stops beating without a goodbye, as a node that died would. */
    public void stop() {
        stopped = true;
        thread.interrupt();
    }

    /** Stops beating and takes the node out of every directory. */
    @Override
    public void close() {
        stop();
        try {
            thread.join(every.toMillis() + 1000);
            connection.publish(NodeDirectory.subject(node), new byte[0]);
            connection.flush(Duration.ofSeconds(1));
        } catch (Exception e) {
            LOG.debug("goodbye of {} not delivered: {}", node, e.getMessage());
        }
    }
}
