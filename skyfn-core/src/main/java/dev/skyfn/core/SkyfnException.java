package dev.skyfn.core;

/** A failure with a stable {@link ErrorCode} and a message meant for the caller. */
public class SkyfnException extends RuntimeException {

    private final ErrorCode code;

    public SkyfnException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public SkyfnException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
