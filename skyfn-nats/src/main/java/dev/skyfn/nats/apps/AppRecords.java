package dev.skyfn.nats.apps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployed apps of every tenant, in a JetStream bucket that every cloud shares: whichever
 * process runs the control API writes them, every node watches them. Writes are compare-and-set on
 * the entry's revision, so two control planes never both win a redeployment.
 */
public final class AppRecords {

    public static final String BUCKET = "skyfn-apps";
    private static final Logger LOG = LoggerFactory.getLogger(AppRecords.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyValue bucket;
    /** Where a written record waits for its copy in the state mirror before a deploy is acknowledged. */
    private final Engine engine;

    AppRecords(Engine engine, KeyValue bucket) {
        this.engine = engine;
        this.bucket = bucket;
    }

    public static AppRecords open(Engine engine) {
        return new AppRecords(engine, engine.bucket(BUCKET, 1, Duration.ZERO));
    }

    /** A record and the revision it was read at, for a later compare-and-set. */
    public record Versioned(AppRecord record, long revision) {
    }

    /**
     * Told of every record as it is now, then of each change, in order. The bucket keeps one value
     * per app, so a change superseded before it reached the watcher is skipped: a watcher always
     * converges on the latest record but may not see every version in between.
     */
    public interface Watcher {

        void put(AppRecord record);

        void removed(String tenant, String app);
    }

    public Optional<Versioned> get(String tenant, String app) {
        KeyValueEntry entry = Js.call("reading app " + tenant + "/" + app, () -> bucket.get(AppRecord.key(tenant, app)));
        return entry == null || entry.getOperation() != KeyValueOperation.PUT ? Optional.empty()
                : Optional.of(new Versioned(read(entry.getValue()), entry.getRevision()));
    }

    /**
     * Writes {@code record} if the app's entry is still at {@code revision} (0: if there is none);
     * false when another writer got there first.
     */
    public boolean write(AppRecord record, long revision) {
        long written = Js.swap(bucket, record.key(), json(record), revision);
        if (written == 0) {
            return false;
        }
        engine.awaitCopied("KV_" + bucket.getBucketName(), written);
        return true;
    }

    public void remove(String tenant, String app) {
        Js.run("removing app " + tenant + "/" + app, () -> bucket.delete(AppRecord.key(tenant, app)));
        engine.awaitCopied("KV_" + bucket.getBucketName());
    }

    /** Every record now. */
    public List<Versioned> all() {
        return engine.liveEntries(bucket, ">").stream().map(e -> new Versioned(read(e.getValue()), e.getRevision())).toList();
    }

    /** Watches the records until the returned handle is closed. */
    public AutoCloseable watch(Watcher watcher) {
        NatsKeyValueWatchSubscription sub = Js.call("watching apps", () -> bucket.watchAll(new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                tell(watcher, entry);
            }

            @Override
            public void endOfData() {
            }
        }));
        return sub::unsubscribe;
    }

    private static void tell(Watcher watcher, KeyValueEntry entry) {
        try {
            if (entry.getOperation() == KeyValueOperation.PUT) {
                watcher.put(read(entry.getValue()));
            } else {
                String[] parts = entry.getKey().split("\\.", 2);
                watcher.removed(parts[0], parts[1]);
            }
        } catch (RuntimeException e) {
            LOG.error("handling the change of {} failed", entry.getKey(), e);
        }
    }

    static AppRecord read(byte[] json) {
        try {
            return JSON.readValue(json, AppRecord.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] json(AppRecord record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
