package dev.skyfn.sandbox;

import dev.skyfn.api.State;
import dev.skyfn.api.Store;
import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Payload;
import java.util.Optional;

/**
 * An app's state as its functions see it: each operation goes to the node, which keeps the data
 * layers and scopes the operation to the app in the slot its client names.
 */
final class SandboxState implements State {

    private final Store local;
    private final Store global;

    SandboxState(DataClient node) {
        this.local = new Layer(node, DataOp.LOCAL_GET, DataOp.LOCAL_PUT, DataOp.LOCAL_DELETE, DataOp.LOCAL_CAS);
        this.global = new Layer(node, DataOp.GLOBAL_GET, DataOp.GLOBAL_PUT, DataOp.GLOBAL_DELETE, DataOp.GLOBAL_CAS);
    }

    @Override
    public Store local() {
        return local;
    }

    @Override
    public Store global() {
        return global;
    }

    private record Layer(DataClient node, DataOp get, DataOp put, DataOp delete, DataOp cas) implements Store {

        @Override
        public Optional<byte[]> get(String key) {
            return node.send(get, "", key, null, null, 0, 0) instanceof Payload.Body b ? Optional.of(b.bytes()) : Optional.empty();
        }

        @Override
        public void put(String key, byte[] value) {
            node.send(put, "", key, value, null, 0, 0);
        }

        @Override
        public boolean delete(String key) {
            return DataClient.bool(node.send(delete, "", key, null, null, 0, 0));
        }

        @Override
        public boolean compareAndSet(String key, byte[] expected, byte[] value) {
            return DataClient.bool(node.send(cas, "", key, value, expected, 0, 0));
        }
    }
}
