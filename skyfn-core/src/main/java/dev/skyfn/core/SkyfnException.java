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

    /** The most characters of a message an error response carries: what a function throws is not the caller's to size. */
    public static final int MAX_MESSAGE_CHARS = 2048;

    /** {@code message}, cut to {@link #MAX_MESSAGE_CHARS} with a note of how much was left out. */
    public static String bounded(String message) {
        if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        return message.substring(0, MAX_MESSAGE_CHARS) + "… (" + (message.length() - MAX_MESSAGE_CHARS) + " more characters)";
    }
}
