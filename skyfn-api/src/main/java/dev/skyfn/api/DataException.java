package dev.skyfn.api;

/**
 * A state or ephemeral-namespace operation failed, with a stable code: {@code QUOTA_EXCEEDED},
 * {@code PAYLOAD_TOO_LARGE}, {@code NAMESPACE_NOT_FOUND}, {@code INVALID_INPUT}, ... A function that
 * lets this escape fails with the code.
 */
public class DataException extends RuntimeException {

    private final String code;

    public DataException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
