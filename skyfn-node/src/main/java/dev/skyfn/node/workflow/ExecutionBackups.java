package dev.skyfn.node.workflow;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a node's execution log is copied beyond its own disk, so that other nodes can take its
 * executions over when it dies: JetStream in a fleet, nowhere on one machine.
 */
public interface ExecutionBackups {

    /** A record of the log and the tenant whose execution it is (whose key seals its copy). */
    record Record(String tenant, byte[] bytes) {
    }

    /** Copies one record of {@code tenant}'s execution; the future completes once the copy is safe. */
    CompletableFuture<Void> append(String tenant, byte[] record);

    /** Replaces every record copied so far by {@code records}, after the log was compacted. */
    void rewrite(List<Record> records);

    /**
     * The records of this node's own copied log, opened: what a node restores its executions from
     * when its own log is gone — a new disk, or a new machine given the name of one that was taken
     * back a moment before, which the fleet never saw die and so never took anything over from.
     */
    default List<byte[]> own() {
        return List.of();
    }

    /** Copies a large value of a step of {@code tenant}'s execution, once its file is whole and on disk; completes once the copy is safe. */
    default CompletableFuture<Void> blob(String tenant, String execution, String blob, java.nio.file.Path file) {
        return CompletableFuture.completedFuture(null);
    }

    /** Fetches the copy of a large value of {@code tenant}'s execution into {@code file}; false when there is none. */
    default boolean fetchBlob(String tenant, String execution, String blob, java.nio.file.Path file) {
        return false;
    }

    /** Forgets the copies of an execution's large values, named by its steps. */
    default void forgetBlobs(String execution, List<String> blobs) {
    }

    /** No copies: the embedded default. */
    ExecutionBackups NONE = new ExecutionBackups() {
        @Override
        public CompletableFuture<Void> append(String tenant, byte[] record) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void rewrite(List<Record> records) {
        }
    };
}
