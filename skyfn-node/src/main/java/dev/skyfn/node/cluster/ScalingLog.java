package dev.skyfn.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.control.scaling.ScalingRecord;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The autoscaler's recent decisions per app, in the {@code skyfn-scaling} bucket, so that any
 * node can show them whichever node decided. A decision that changes nothing is written at most
 * every {@link #QUIET_EVERY}: the numbers stay fresh without a write per app per tick.
 */
final class ScalingLog {

    static final String BUCKET = "skyfn-scaling";
    static final Duration QUIET_EVERY = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScalingLog.class);

    private final KeyValue bucket;
    private final Map<AppKey, ScalingRecord> written = new ConcurrentHashMap<>();
    private final Map<AppKey, Instant> writtenAt = new ConcurrentHashMap<>();
    /** Records made and not written yet, the latest per app. */
    private final Map<AppKey, byte[]> unwritten = new ConcurrentHashMap<>();
    private final java.util.concurrent.Executor writer = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("scaling-log").factory());

    ScalingLog(Engine engine) {
        this.bucket = engine.bucket(BUCKET, 1, Duration.ZERO);
    }

    /** Adds a decision to the app's record; writes it when it changes the replicas or the last write is old. */
    void record(AppKey key, ScalingRecord.Entry entry, Instant now) {
        ScalingRecord before = written.computeIfAbsent(key, k -> read(k).orElse(new ScalingRecord(entry, java.util.List.of())));
        ScalingRecord next = before.with(entry);
        written.put(key, next);
        Instant last = writtenAt.get(key);
        if (entry.ready() != entry.replicas() || last == null || !now.isBefore(last.plus(QUIET_EVERY))) {
            try {
                writtenAt.put(key, now);
                if (unwritten.put(key, JSON.writeValueAsBytes(next)) == null) {
                    writer.execute(() -> write(key));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Writes the app's latest record, off the autoscaler's round: a JetStream write may take a
     * second in a busy fleet, and the round places replicas. Records made meanwhile are written
     * once, the latest; one that cannot be written now is at the next decision.
     */
    private void write(AppKey key) {
        byte[] bytes = unwritten.remove(key);
        if (bytes == null) {
            return;
        }
        try {
            Js.run("writing the scaling of " + key, () -> bucket.put(name(key), bytes));
        } catch (RuntimeException e) {
            writtenAt.remove(key);
            LOG.warn("the autoscaler's record of {} is not written now ({}); it is at its next decision", key, e.getMessage());
        }
    }

    /** The app's record as last written. */
    Optional<ScalingRecord> read(AppKey key) {
        KeyValueEntry e = Js.call("reading the scaling of " + key, () -> bucket.get(name(key)));
        if (e == null || e.getOperation() != KeyValueOperation.PUT || e.getValue() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(e.getValue(), ScalingRecord.class));
        } catch (IOException bad) {
            return Optional.empty();
        }
    }

    /** Forgets what this node wrote: another node decides now, and reads the records afresh when it is its turn again. */
    void forgetWritten() {
        written.clear();
        writtenAt.clear();
    }

    private static String name(AppKey key) {
        return key.tenant() + "." + key.app();
    }
}
