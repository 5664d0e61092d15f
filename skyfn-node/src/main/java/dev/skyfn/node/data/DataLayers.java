package dev.skyfn.node.data;

import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.SkyfnException;
import dev.skyfn.core.app.AppKey;
import dev.skyfn.core.data.KeyValue;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import dev.skyfn.node.sandbox.Sandbox;
import java.nio.file.Path;
import java.util.Optional;

/**
 * SAND's two data layers on this node: the local one in memory, the global one durable on disk.
 * Sandboxes reach them through data operations, always scoped to their own app.
 */
public final class DataLayers implements AutoCloseable {

    static final int MAX_KEY_CHARS = 1024;
    private static final byte[] TRUE = {1};
    private static final byte[] FALSE = {0};

    private final KeyValue local;
    private final DurableKeyValue global;

    public DataLayers(Path dir, long quotaBytesPerTenant, int maxValueBytes) {
        this.local = new MemoryKeyValue(quotaBytesPerTenant, maxValueBytes);
        this.global = new DurableKeyValue(dir.resolve("global.log"), quotaBytesPerTenant, maxValueBytes);
    }

    public KeyValue local() {
        return local;
    }

    public KeyValue global() {
        return global;
    }

    /**
     * Runs a sandbox's data operation for its app and answers it. Local operations are answered at
     * once, on the calling (reader) thread; global ones wait for the disk, on a thread of their own.
     */
    public void handle(AppKey app, Sandbox from, Message.Data op) {
        if (op.op().global()) {
            Thread.ofVirtual().start(() -> from.answer(apply(app, op)));
        } else {
            from.answer(apply(app, op));
        }
    }

    Message apply(AppKey app, Message.Data op) {
        try {
            checkKey(op.key());
            String scope = KeyValue.scope(app.tenant(), app.app());
            KeyValue layer = op.op().global() ? global : local;
            return new Message.Result(op.id(), switch (op.op()) {
                case LOCAL_GET, GLOBAL_GET -> value(layer.get(scope, op.key()));
                case LOCAL_PUT, GLOBAL_PUT -> {
                    layer.put(scope, op.key(), required(op.value()));
                    yield Payload.EMPTY;
                }
                case LOCAL_DELETE, GLOBAL_DELETE -> bool(layer.delete(scope, op.key()));
                case LOCAL_CAS, GLOBAL_CAS -> bool(layer.compareAndSet(scope, op.key(), op.expected(), op.value()));
            });
        } catch (SkyfnException e) {
            return new Message.Failure(op.id(), e.code().name(), e.getMessage(), "");
        }
    }

    /** Forgets an app's state in both layers, as when the app is removed. */
    public void clear(AppKey app) {
        String scope = KeyValue.scope(app.tenant(), app.app());
        local.clear(scope);
        global.clear(scope);
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_CHARS) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "a key is 1 to " + MAX_KEY_CHARS + " characters");
        }
    }

    private static byte[] required(byte[] value) {
        if (value == null) {
            throw new SkyfnException(ErrorCode.INVALID_INPUT, "a put needs a value");
        }
        return value;
    }

    private static Payload value(Optional<byte[]> value) {
        return value.<Payload>map(v -> new Payload.Body("", v)).orElse(Payload.EMPTY);
    }

    private static Payload bool(boolean b) {
        return new Payload.Body("", b ? TRUE : FALSE);
    }

    @Override
    public void close() {
        global.close();
    }
}
