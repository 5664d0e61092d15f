package dev.skyfn.core.wire;

/** The operations of a {@link Message.Data}: on the local or the global layer of an app's state. */
public enum DataOp {
    LOCAL_GET, LOCAL_PUT, LOCAL_DELETE, LOCAL_CAS,
    GLOBAL_GET, GLOBAL_PUT, GLOBAL_DELETE, GLOBAL_CAS;

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
}
