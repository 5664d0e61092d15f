package dev.skyfn.core.wire;

/**
 * The operations of a {@link Message.Data}: on the local or the global layer of an app's state, and
 * on the tenant's ephemeral namespaces (the path names the namespace).
 */
public enum DataOp {
    LOCAL_GET, LOCAL_PUT, LOCAL_DELETE, LOCAL_CAS,
    GLOBAL_GET, GLOBAL_PUT, GLOBAL_DELETE, GLOBAL_CAS,
    /** Creates the namespace and its parents if absent; number: lease in ms. */
    EPHEMERAL_OPEN,
    EPHEMERAL_GET, EPHEMERAL_PUT, EPHEMERAL_DELETE,
    /** Answer: the keys, one per line. */
    EPHEMERAL_KEYS,
    /** Answer: the count as 4 bytes. */
    EPHEMERAL_SIZE,
    /** number: the new lease in ms. */
    EPHEMERAL_RENEW,
    EPHEMERAL_READY,
    /** number: how long to wait in ms; answered when ready, or false at the timeout. */
    EPHEMERAL_AWAIT_READY,
    /** number: how long to wait in ms; count: the items to wait for. */
    EPHEMERAL_AWAIT_ITEMS,
    EPHEMERAL_REMOVE,
    /** path: the execution; key: the blob; value: the next chunk; count 1 on the last chunk. */
    BLOB_WRITE,
    /** path: the execution; key: the blob; number: the offset; count: at most this many bytes. */
    BLOB_READ,
    /** path: the subject; key: the partition key ("" for none); value: the data; expected: its media type. Answer: the event's id. */
    PUBLISH;

    private static final DataOp[] ALL = values();

    static DataOp of(int ordinal) {
        if (ordinal < 0 || ordinal >= ALL.length) {
            throw new ProtocolException("unknown data operation " + ordinal);
        }
        return ALL[ordinal];
    }

    /** Whether the operation reads or writes the global (durable) layer. */
    public boolean global() {
        return name().startsWith("GLOBAL");
    }

    public boolean blob() {
        return name().startsWith("BLOB");
    }

    public boolean ephemeral() {
        return name().startsWith("EPHEMERAL");
    }
}
