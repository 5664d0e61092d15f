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

    /** Copies a step's large value, once its file is whole and on disk; the future completes once the copy is safe. */
    default CompletableFuture<Void> blob(String execution, String blob, java.nio.file.Path file) {
        return CompletableFuture.completedFuture(null);
    }

    /** Fetches the copy of a large value into {@code file}; false when there is none. */
    default boolean fetchBlob(String execution, String blob, java.nio.file.Path file) {
        return false;
    }

    /** Forgets the copies of an execution's large values, named by its steps. */
    default void forgetBlobs(String execution, List<String> blobs) {
    }

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
