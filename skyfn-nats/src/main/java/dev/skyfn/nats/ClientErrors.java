package dev.skyfn.nats;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.support.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the NATS client reports about a connection, in the node's log. jnats' own listener logs an
 * exception by its message alone; a connection dropped by a fault in the client or in a handler
 * (an {@code IOException} wrapping a runtime exception, or one thrown by a callback) then says
 * nothing of why. This one logs such a fault with its stack; a server out of reach (refused, reset,
 * timed out) stays one line, since the client says so at every try while it reconnects. Routine
 * reports (flow control answered, a pull's warnings) are left out.
 */
final class ClientErrors implements ErrorListener {

    private static final Logger LOG = LoggerFactory.getLogger(ClientErrors.class);

    @Override
    public void errorOccurred(Connection conn, String error) {
        LOG.warn("NATS connection {}: the server said: {}", name(conn), error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception e) {
        if (e instanceof RuntimeException || e.getCause() instanceof RuntimeException) {
            LOG.warn("NATS connection {}: {}", name(conn), e.toString(), e);
        } else {
            LOG.warn("NATS connection {}: {}{}", name(conn), e, e.getCause() == null ? "" : " (" + e.getCause() + ")");
        }
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        LOG.warn("NATS connection {}: a slow consumer dropped messages ({} pending)", name(conn), consumer.getPendingMessageCount());
    }

    @Override
    public void messageDiscarded(Connection conn, Message msg) {
        LOG.warn("NATS connection {}: a message to {} was discarded (outgoing queue full)", name(conn), msg.getSubject());
    }

    @Override
    public void heartbeatAlarm(Connection conn, JetStreamSubscription sub, long lastStreamSequence, long lastConsumerSequence) {
        LOG.warn("NATS connection {}: no heartbeat from the consumer of {} (last stream sequence {})", name(conn),
                sub.getSubject(), lastStreamSequence);
    }

    @Override
    public void unhandledStatus(Connection conn, JetStreamSubscription sub, Status status) {
        LOG.warn("NATS connection {}: status {} on {}", name(conn), status, sub.getSubject());
    }

    @Override
    public void pullStatusError(Connection conn, JetStreamSubscription sub, Status status) {
        LOG.warn("NATS connection {}: pull on {} failed: {}", name(conn), sub.getSubject(), status);
    }

    @Override
    public void socketWriteTimeout(Connection conn) {
        LOG.warn("NATS connection {}: a write to the server timed out", name(conn));
    }

    private static String name(Connection conn) {
        return conn == null ? "?" : conn.getOptions().getConnectionName();
    }
}
