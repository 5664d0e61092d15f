package dev.skyfn.api;

/**
 * A function called through {@link Context#invoke} failed. Carries the callee's stable error code
 * (the same codes the HTTP API returns) and, when the callee threw, its exception's class name. A
 * function that lets this escape fails with the callee's code.
 */
public class FunctionCallException extends RuntimeException {

    private final String code;
    private final String type;

    public FunctionCallException(String code, String message, String type) {
        super(message);
        this.code = code;
        this.type = type == null ? "" : type;
    }

    /** The error code, e.g. {@code FUNCTION_ERROR}, {@code FUNCTION_TIMEOUT}, {@code FUNCTION_NOT_FOUND}. */
    public String code() {
        return code;
    }

    /** The class name of what the callee threw, or {@code ""}. */
    public String type() {
        return type;
    }
}
