package dev.skyfn.sandbox;

import dev.skyfn.api.DataException;
import dev.skyfn.core.ErrorCode;
import dev.skyfn.core.wire.DataOp;
import dev.skyfn.core.wire.Message;
import dev.skyfn.core.wire.Payload;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Sends the data operations of the app in one slot to the node and waits for their answers,
 * failing with {@link DataException}.
 */
final class DataClient {

    private final int slot;
    private final Function<LongFunction<Message>, CompletableFuture<Message>> node;

    DataClient(int slot, Function<LongFunction<Message>, CompletableFuture<Message>> node) {
        this.slot = slot;
        this.node = node;
    }

    Payload send(DataOp op, String path, String key, byte[] value, byte[] expected, long number, int count) {
        return await(start(op, path, key, value, expected, number, count));
    }

    /** Sends an operation without waiting; {@link #await} its answer. */
    CompletableFuture<Message> start(DataOp op, String path, String key, byte[] value, byte[] expected, long number, int count) {
        if (key == null || path == null) {
            throw new DataException(ErrorCode.INVALID_INPUT.name(), "keys and paths cannot be null");
        }
        return node.apply(id -> new Message.Data(id, slot, op, path, key, value, expected, number, count));
    }

    /** The answer's payload, or a {@link DataException} with the node's code. */
    static Payload await(CompletableFuture<Message> pending) {
        Message answer;
        try {
            answer = pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException(ErrorCode.FUNCTION_TIMEOUT.name(), "interrupted: the invocation is being cancelled");
        } catch (ExecutionException e) {
            throw new DataException(ErrorCode.INTERNAL.name(), "the operation failed: " + e.getCause());
        }
        return switch (answer) {
            case Message.Result r -> r.payload();
            case Message.Failure f -> throw new DataException(f.code(), f.message());
            default -> throw new DataException(ErrorCode.INTERNAL.name(), "unexpected answer " + answer);
        };
    }

    static boolean bool(Payload p) {
        return p instanceof Payload.Body b && b.bytes().length == 1 && b.bytes()[0] == 1;
    }

    static byte[] bytes(Payload p) {
        return p instanceof Payload.Body b ? b.bytes() : new byte[0];
    }
}
