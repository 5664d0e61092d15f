package dev.skyfn.node.cluster;

import dev.skyfn.nats.Engine;
import dev.skyfn.nats.Js;
import dev.skyfn.node.workflow.ExecutionOwners;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * The owners of a fleet's workflow executions, in a JetStream bucket: an entry per execution
 * holding its owner's name, then {@code "<owner> ended"} once the owner committed its end; the
 * entry's revision is the owner's epoch, and every change is a compare-and-set on it.
 */
final class JetStreamOwners implements ExecutionOwners {

    static final String BUCKET = "skyfn-owners";
    /** Owner entries of executions forgotten without a word (their node never came back) go after this long. */
    private static final Duration MAX_AGE = Duration.ofDays(30);
    private static final String ENDED = " ended";

    private final KeyValue owners;
    private final String self;

    JetStreamOwners(Engine engine, String self) {
        this.owners = engine.bucket(BUCKET, 1, MAX_AGE);
        this.self = self;
    }

    @Override
    public long own(String execution) {
        return Js.call("owning execution " + execution, () -> owners.create(execution, bytes(self)));
    }

    @Override
    public OptionalLong reclaim(String execution) {
        KeyValueEntry held = read(execution);
        if (held == null) {
            long epoch = Js.swap(owners, execution, bytes(self), 0);
            return epoch != 0 ? OptionalLong.of(epoch) : reclaim(execution);
        }
        return ownerOf(held).equals(self) ? OptionalLong.of(held.getRevision()) : OptionalLong.empty();
    }

    @Override
    public boolean end(String execution, long epoch) {
        return Js.write(owners, execution, bytes(self + ENDED), epoch);
    }

    @Override
    public OptionalLong takeOver(String execution, String dead) {
        KeyValueEntry held = read(execution);
        long revision = held == null ? 0 : held.getRevision();
        // an end the dead node committed but did not log runs again: nobody can read that end
        if (held != null && !ownerOf(held).equals(dead)) {
            return OptionalLong.empty();
        }
        long epoch = Js.swap(owners, execution, bytes(self), revision);
        return epoch == 0 ? OptionalLong.empty() : OptionalLong.of(epoch);
    }

    @Override
    public void forget(String execution) {
        try {
            Js.run("forgetting the owner of " + execution, () -> owners.delete(execution));
        } catch (RuntimeException e) {
            // it ages out
        }
    }

    private KeyValueEntry read(String execution) {
        KeyValueEntry e = Js.call("reading the owner of " + execution, () -> owners.get(execution));
        return e == null || e.getOperation() != KeyValueOperation.PUT ? null : e;
    }

    private static String ownerOf(KeyValueEntry e) {
        String v = new String(e.getValue(), StandardCharsets.UTF_8);
        return v.endsWith(ENDED) ? v.substring(0, v.length() - ENDED.length()) : v;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
