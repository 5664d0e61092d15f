package dev.skyfn.core.workflow;

import java.util.Objects;

/**
 * A {@link Step} as the node keeps it and the wire carries it: the data as JSON bytes, or, when it
 * is larger than {@link #INLINE_BYTES}, the name of a blob of the execution holding them (SAND's
 * "finished with its output reference"). Absent texts are empty, never null.
 *
 * @param atMicros when, in microseconds since the epoch
 * @param data     the step's data as JSON, or null when it has none or it is in {@code blob}
 * @param blob     the name of the execution's blob that holds the data, or empty
 */
public record StepRecord(String key, String state, String type, Step.Phase phase, long atMicros, byte[] data,
                         String blob, String error, String cause, int attempt) {

    /** Data larger than this is written to a blob of the execution and referred to by name. */
    public static final int INLINE_BYTES = 64 * 1024;
    /** Blobs travel in chunks of this size, so that no frame or buffer holds a whole large value. */
    public static final int CHUNK_BYTES = 1 << 20;
    /** The media type of a result that names a blob of the execution instead of holding the value. */
    public static final String BLOB_TYPE = "application/vnd.skyfn.blob";

    public StepRecord {
        Objects.requireNonNull(key);
        Objects.requireNonNull(phase);
        state = Objects.requireNonNullElse(state, "");
        type = Objects.requireNonNullElse(type, "");
        blob = Objects.requireNonNullElse(blob, "");
        error = Objects.requireNonNullElse(error, "");
        cause = Objects.requireNonNullElse(cause, "");
    }

    public boolean settles() {
        return phase == Step.Phase.SUCCEEDED || phase == Step.Phase.FAILED || phase == Step.Phase.WAITING;
    }

    public boolean inBlob() {
        return !blob.isEmpty();
    }

    /** Whether {@code name} can name a blob: it becomes a file name on the node. */
    public static boolean isBlobName(String name) {
        return name.matches("[A-Za-z0-9_-]{1,64}");
    }
}
