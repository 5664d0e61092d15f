package dev.skyfn.nats.events;

import dev.skyfn.core.trigger.TickLedger;
import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The fleet's schedule ticks in the JetStream bucket {@value #BUCKET}: per trigger, the last tick fired, in epoch ms. */
public final class KvTickLedger implements TickLedger {

    static final String BUCKET = "skyfn-ticks";

    private final KeyValue bucket;

    private KvTickLedger(KeyValue bucket) {
        this.bucket = bucket;
    }

    public static KvTickLedger open(Engine engine) {
        return new KvTickLedger(engine.bucket(BUCKET, 1, Duration.ZERO));
    }

    @Override
    public Optional<Instant> last(String trigger) {
        return entry(trigger).map(KvTickLedger::tick);
    }

    @Override
    public boolean advance(String trigger, Optional<Instant> expected, Instant tick) {
        byte[] value = Long.toString(tick.toEpochMilli()).getBytes(StandardCharsets.US_ASCII);
        Optional<KeyValueEntry> now = entry(trigger);
        if (!now.map(KvTickLedger::tick).equals(expected)) {
            return false;
        }
        long revision = now.map(KeyValueEntry::getRevision).orElse(0L);
        return Js.write(bucket, trigger, value, revision);
    }

    @Override
    public void forget(String trigger) {
        Js.run("forgetting the last tick of " + trigger, () -> bucket.purge(trigger));
    }

    private Optional<KeyValueEntry> entry(String trigger) {
        KeyValueEntry e = Js.call("reading the last tick of " + trigger, () -> bucket.get(trigger));
        return e == null || e.getOperation() != KeyValueOperation.PUT ? Optional.empty() : Optional.of(e);
    }

    private static Instant tick(KeyValueEntry e) {
        return Instant.ofEpochMilli(Long.parseLong(new String(e.getValue(), StandardCharsets.US_ASCII)));
    }
}
