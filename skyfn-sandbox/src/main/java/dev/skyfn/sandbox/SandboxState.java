package dev.skyfn.sandbox;

import dev.skyfn.api.DataException;
import dev.skyfn.api.State;
import dev.skyfn.api.Store;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * The app's state as its functions see it: each operation goes to the node, which keeps the data
 * layers and scopes the operation to this sandbox's app.
 */
final class SandboxState implements State {

    private final Function<LongFunction<Message>, CompletableFuture<Message>> node;
    private final Store local;
    private final Store global;

    SandboxState(Function<LongFunction<Message>, CompletableFuture<Message>> node) {
        this.node = node;
        this.local = new Layer(DataOp.LOCAL_GET, DataOp.LOCAL_PUT, DataOp.LOCAL_DELETE, DataOp.LOCAL_CAS);
        this.global = new Layer(DataOp.GLOBAL_GET, DataOp.GLOBAL_PUT, DataOp.GLOBAL_DELETE, DataOp.GLOBAL_CAS);
    }

    @Override
    public Store local() {
        return local;
    }

    @Override
    public Store global() {
        return global;
    }

    private final class Layer implements Store {

        private final DataOp get;
        private final DataOp put;
        private final DataOp delete;
        private final DataOp cas;

        Layer(DataOp get, DataOp put, DataOp delete, DataOp cas) {
            this.get = get;
            this.put = put;
            this.delete = delete;
            this.cas = cas;
        }

        @Override
        public Optional<byte[]> get(String key) {
            return switch (send(get, key, null, null)) {
                case Payload.Body b -> Optional.of(b.bytes());
                default -> Optional.empty();
            };
        }

        @Override
        public void put(String key, byte[] value) {
            send(put, key, value, null);
        }

        @Override
        public boolean delete(String key) {
            return bool(send(delete, key, null, null));
        }

        @Override
        public boolean compareAndSet(String key, byte[] expected, byte[] value) {
            return bool(send(cas, key, value, expected));
        }
    }

    private Payload send(DataOp op, String key, byte[] value, byte[] expected) {
        if (key == null) {
            throw new DataException(ErrorCode.INVALID_INPUT.name(), "a key cannot be null");
        }
        Message answer;
        try {
            answer = node.apply(id -> new Message.Data(id, op, "", key, value, expected, 0)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException(ErrorCode.FUNCTION_TIMEOUT.name(), "interrupted: the invocation is being cancelled");
        } catch (ExecutionException e) {
            throw new DataException(ErrorCode.INTERNAL.name(), "the state operation failed: " + e.getCause());
        }
        return switch (answer) {
            case Message.Result r -> r.payload();
            case Message.Failure f -> throw new DataException(f.code(), f.message());
            default -> throw new DataException(ErrorCode.INTERNAL.name(), "unexpected answer " + answer);
        };
    }

    private static boolean bool(Payload p) {
        return p instanceof Payload.Body b && b.bytes().length == 1 && b.bytes()[0] == 1;
    }
}
