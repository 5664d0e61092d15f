package dev.skyfn.node.workflow;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a node's execution log is copied beyond its own disk, so that other nodes can take its
 * executions over when it dies: JetStream in a fleet, nowhere on one machine.
 */
public interface ExecutionBackups {

    /** Copies one record of the log; the future completes once the copy is safe. */
    CompletableFuture<Void> append(byte[] record);

    /** Replaces every record copied so far by {@code records}, after the log was compacted. */
    void rewrite(List<byte[]> records);

    /** No copies: the embedded default. */
    ExecutionBackups NONE = new ExecutionBackups() {
        @Override
        public CompletableFuture<Void> append(byte[] record) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void rewrite(List<byte[]> records) {
        }
    };
}
