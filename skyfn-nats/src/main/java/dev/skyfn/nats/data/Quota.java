package dev.skyfn.nats.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.nats.Js;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.nio.ByteBuffer;

/**
 * Each tenant's bytes in a bucket, counted in an entry of its own, {@code _usage.<tenant>}, and
 * changed by compare-and-set, so that nodes writing at once never lose a count.
 */
final class Quota {

    private final KeyValue bucket;
    private final long limit;
    private final String what;

    Quota(KeyValue bucket, long limit, String what) {
        this.bucket = bucket;
        this.limit = limit;
        this.what = what;
    }

    /** Adds {@code delta} to the tenant's count, refusing growth past its quota. */
    void charge(String tenant, long delta) {
        if (delta == 0) {
            return;
        }
        String name = "_usage." + tenant;
        while (true) {
            KeyValueEntry usage = Entries.get(bucket, name);
            long before = usage == null ? 0 : count(usage);
            long after = Math.max(0, before + delta);
            if (delta > 0 && after > limit) {
                throw new SkyfnException(ErrorCode.QUOTA_EXCEEDED, "tenant " + tenant + " would hold " + after
                        + " bytes of " + what + ", over its quota of " + limit);
            }
            byte[] next = ByteBuffer.allocate(8).putLong(after).array();
            if (Js.write(bucket, name, next, usage == null ? 0 : usage.getRevision())) {
                return;
            }
        }
    }

    long used(String tenant) {
        KeyValueEntry usage = Entries.get(bucket, "_usage." + tenant);
        return usage == null ? 0 : count(usage);
    }

    private static long count(KeyValueEntry usage) {
        return ByteBuffer.wrap(Entries.value(usage)).getLong();
    }
}
