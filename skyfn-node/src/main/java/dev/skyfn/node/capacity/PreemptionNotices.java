package dev.skyfn.node.capacity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's own preemption notices: its cloud's word that it takes the machine back at a given
 * time. The emulated clouds of {@code skyfn dev --topology} publish them on
 * {@code skyfn.notice.<node>} over core NATS, in the shape of EC2's spot {@code instance-action}
 * metadata: {@code {"action": "terminate", "time": "2026-11-30T17:22:00Z"}}. On a real cloud the
 * node reads its metadata endpoint instead (docs/OPERATING.md: EC2's
 * {@code /latest/meta-data/spot/instance-action}, GCE's {@code instance/preempted}, Azure's
 * Scheduled Events {@code Preempt}).
 */
public final class PreemptionNotices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PreemptionNotices.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection nats;
    private final Dispatcher dispatcher;

    private PreemptionNotices(Connection nats, String node, Consumer<Instant> onNotice) {
        this.nats = nats;
        this.dispatcher = nats.createDispatcher(m -> read(m.getData()).ifPresentOrElse(onNotice,
                () -> LOG.warn("ignoring an unreadable preemption notice for {}", node)));
        dispatcher.subscribe(subject(node));
    }

    /** Tells {@code onNotice} when the cloud takes {@code node} back, each time a notice for it arrives. */
    public static PreemptionNotices watch(Connection nats, String node, Consumer<Instant> onNotice) {
        return new PreemptionNotices(nats, node, onNotice);
    }

    /** The subject {@code node}'s notices arrive on. */
    public static String subject(String node) {
        return "skyfn.notice." + node;
    }

    /** A notice as published: the time it names, or empty when it is not a notice of termination. */
    static Optional<Instant> read(byte[] notice) {
        try {
            JsonNode n = JSON.readTree(notice);
            if (n == null || !"terminate".equals(n.path("action").asText()) || !n.path("time").isTextual()) {
                return Optional.empty();
            }
            return Optional.of(Instant.parse(n.get("time").asText()));
        } catch (IOException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A notice that the machine is taken back at {@code at}, as the emulated clouds publish it. */
    public static byte[] notice(Instant at) {
        try {
            return JSON.writeValueAsBytes(java.util.Map.of("action", "terminate", "time", at.toString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            nats.closeDispatcher(dispatcher);
        } catch (RuntimeException e) {
            // the connection is already gone
        }
    }
}
