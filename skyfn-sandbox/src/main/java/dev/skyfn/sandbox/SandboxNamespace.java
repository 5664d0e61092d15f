package dev.skyfn.sandbox;

import dev.skyfn.api.Namespace;
import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Payload;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** An ephemeral namespace as a function sees it; the node keeps the data, the leases and the waits. */
final class SandboxNamespace implements Namespace {

    private final DataClient node;
    private final String path;

    private SandboxNamespace(DataClient node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Opens (creating if absent, with the default lease) the namespace at {@code path}. */
    static Namespace open(DataClient node, String path) {
        byte[] normalised = DataClient.bytes(node.send(DataOp.EPHEMERAL_OPEN, path, "", null, null, 0, 0));
        return new SandboxNamespace(node, new String(normalised, StandardCharsets.UTF_8));
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Namespace child(String name) {
        return open(node, path + "/" + name);
    }

    @Override
    public void put(String key, byte[] value) {
        node.send(DataOp.EPHEMERAL_PUT, path, key, value, null, 0, 0);
    }

    @Override
    public Optional<byte[]> get(String key) {
        return node.send(DataOp.EPHEMERAL_GET, path, key, null, null, 0, 0) instanceof Payload.Body b
                ? Optional.of(b.bytes()) : Optional.empty();
    }

    @Override
    public boolean delete(String key) {
        return DataClient.bool(node.send(DataOp.EPHEMERAL_DELETE, path, key, null, null, 0, 0));
    }

    @Override
    public List<String> keys() {
        String joined = new String(DataClient.bytes(node.send(DataOp.EPHEMERAL_KEYS, path, "", null, null, 0, 0)),
                StandardCharsets.UTF_8);
        return joined.isEmpty() ? List.of() : List.of(joined.split("\n"));
    }

    @Override
    public int size() {
        return ByteBuffer.wrap(DataClient.bytes(node.send(DataOp.EPHEMERAL_SIZE, path, "", null, null, 0, 0))).getInt();
    }

    @Override
    public void renew(Duration lease) {
        node.send(DataOp.EPHEMERAL_RENEW, path, "", null, null, lease.toMillis(), 0);
    }

    @Override
    public void markReady() {
        node.send(DataOp.EPHEMERAL_READY, path, "", null, null, 0, 0);
    }

    @Override
    public boolean awaitReady(Duration timeout) {
        return DataClient.bool(node.send(DataOp.EPHEMERAL_AWAIT_READY, path, "", null, null, timeout.toMillis(), 0));
    }

    @Override
    public boolean awaitItems(int items, Duration timeout) {
        return DataClient.bool(node.send(DataOp.EPHEMERAL_AWAIT_ITEMS, path, "", null, null, timeout.toMillis(), items));
    }

    @Override
    public void remove() {
        node.send(DataOp.EPHEMERAL_REMOVE, path, "", null, null, 0, 0);
    }
}
