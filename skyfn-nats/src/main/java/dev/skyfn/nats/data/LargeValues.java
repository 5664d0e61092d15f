package dev.skyfn.nats.data;

import dev.skyfn.nats.Js;
import dev.skyfn.nats.seal.Sealer;
import io.nats.client.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.util.UUID;

/** Values too large for a state entry, in the object store under names of their own, written once, sealed. */
final class LargeValues {

    private final ObjectStore store;
    private final Sealer sealer;

    LargeValues(ObjectStore store, Sealer sealer) {
        this.store = store;
        this.sealer = sealer;
    }

    /** Stores {@code value} under a new name; the entry that will name it is written after. */
    Stored write(String tenant, byte[] value) {
        String name = tenant + "." + UUID.randomUUID();
        byte[] sealed = sealer.seal(tenant, name, value);
        Js.run("storing a large value", () -> store.put(name, sealed));
        return Stored.object(name, value);
    }

    /** The value an entry holds or names. */
    byte[] read(Stored stored) {
        if (!stored.isObject()) {
            return stored.inline().clone();
        }
        var out = new ByteArrayOutputStream((int) stored.size() + Sealer.OVERHEAD);
        Js.run("reading a large value", () -> store.get(stored.object(), out));
        String name = stored.object();
        return sealer.open(name.substring(0, name.indexOf('.')), name, out.toByteArray());
    }

    /** Deletes the object an entry no longer names; nothing for a value held in the entry. */
    void forget(Stored stored) {
        if (stored != null && stored.isObject()) {
            Js.run("deleting a large value", () -> store.delete(stored.object()));
        }
    }
}
