package dev.skyfn.node.cluster;

import dev.skyfn.control.tenant.Document;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import java.time.Duration;

/** A control-plane document as one entry of the {@code skyfn-control} bucket, shared by every node. */
final class JetStreamDocument implements Document {

    static final String BUCKET = "skyfn-control";

    private final KeyValue bucket;
    private final String key;
    /** Where a written document (tenants, keys, policies) waits for its copy in the state mirror before it is acknowledged. */
    private final Engine engine;

    JetStreamDocument(Engine engine, String key) {
        this.engine = engine;
        this.bucket = engine.bucket(BUCKET, 1, Duration.ZERO);
        this.key = key;
    }

    @Override
    public Version read() {
        KeyValueEntry e = Js.call("reading " + key, () -> bucket.get(key));
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            return new Version(null, e == null ? 0 : e.getRevision());
        }
        // jnats gives null for a PUT without bytes; the operation, not the value, says the document is there
        return new Version(e.getValue() == null ? new byte[0] : e.getValue(), e.getRevision());
    }

    @Override
    public boolean write(byte[] bytes, long revision) {
        long written = Js.swap(bucket, key, bytes, revision);
        if (written == 0) {
            return false;
        }
        engine.awaitCopied("KV_" + BUCKET, written);
        return true;
    }

    @Override
    public void onChange(Runnable changed) {
        Js.call("watching " + key, () -> bucket.watch(key, new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry entry) {
                changed.run();
            }

            @Override
            public void endOfData() {
            }
        }, KeyValueWatchOption.UPDATES_ONLY));
    }
}
