package dev.skyfn.control.tenant;

/**
 * One JSON document the control plane keeps its tenants in: a file on one machine
 * ({@link FileDocument}), an entry in JetStream across clouds. Writes are compare-and-set on a
 * revision, so that control planes on several nodes never lose each other's changes.
 */
public interface Document {

    /** The document as read: {@code bytes} null and {@code revision} 0 when there is none yet. */
    record Version(byte[] bytes, long revision) {
    }

    Version read();

    /** Writes {@code bytes} if the document is still at {@code revision}; false when it changed since. */
    boolean write(byte[] bytes, long revision);

    /** Calls {@code changed} after another process changed the document. */
    default void onChange(Runnable changed) {
    }
}
