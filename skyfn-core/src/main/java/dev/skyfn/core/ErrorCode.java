package dev.skyfn.core;

/**
 * The stable error codes of the public contract. Callers match on the name; the HTTP status
 * follows from it. Never rename a code: add a new one.
 */
public enum ErrorCode {
    // the caller's request
    BAD_REQUEST(400),
    UNAUTHENTICATED(401),
    FORBIDDEN(403),
    NOT_FOUND(404),
    APP_NOT_FOUND(404),
    FUNCTION_NOT_FOUND(404),
    INVOCATION_NOT_FOUND(404),
    TENANT_NOT_FOUND(404),
    NAMESPACE_NOT_FOUND(404),
    WORKFLOW_NOT_FOUND(404),
    EXECUTION_NOT_FOUND(404),
    TRACE_NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    CONFLICT(409),
    PAYLOAD_TOO_LARGE(413),
    // the request line (method, URL, version) is longer than the server reads
    URI_TOO_LONG(414),
    // the request's header fields are larger than the server reads
    HEADERS_TOO_LARGE(431),
    INVALID_INPUT(400),
    TOO_MANY_REQUESTS(429),
    QUOTA_EXCEEDED(507),

    // a deployed package
    MANIFEST_MISSING(400),
    MANIFEST_INVALID(400),
    PACKAGE_INVALID(400),
    PACKAGE_UNSAFE(400),
    PACKAGE_TOO_LARGE(413),
    HANDLER_NOT_FOUND(400),
    HANDLER_INVALID(400),
    // no cloud can take the app as its placement asks (the reason for each cloud is in the message)
    PLACEMENT_UNSATISFIABLE(422),

    // the function, while it ran
    FUNCTION_ERROR(500),
    FUNCTION_TIMEOUT(504),
    FUNCTION_OUT_OF_MEMORY(500),
    FUNCTION_EXITED(500),
    THREAD_LEAK(500),
    RESULT_TOO_LARGE(500),
    APP_LOAD_FAILED(500),
    SANDBOX_CRASHED(502),
    // the app's sandbox outgrew its memory limit (its heap plus a native allowance) and the OS killed it
    SANDBOX_OUT_OF_MEMORY(502),
    CALL_DEPTH_EXCEEDED(508),
    // the call was stopped while it ran because nobody waits for its answer any more: a hedged call's losing copy, a
    // workflow run whose execution was handed over, taken over, stopped or ended. What metrics count it as; no caller sees it
    CANCELLED(499),

    // a workflow execution: it failed as its definition says (the error name and cause go with it)
    EXECUTION_FAILED(500),

    // the platform
    UNAVAILABLE(503),
    // the node running a call died under it; the function is not idempotent, so it was not run again
    NODE_LOST(502),
    // a call run on two providers' nodes (verify: redundant) gave two different results
    RESULT_MISMATCH(502),
    // sealed data in the fleet's store did not open: this node lacks the tenant's key, or the data was altered
    UNSEAL_FAILED(502),
    // a node's usage ledger no longer holds what it wrote (entries changed, removed or unreadable): no bill is made from it
    LEDGER_DAMAGED(500),
    INTERNAL(500);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The code with this name, or {@link #INTERNAL} for a name this version does not know. */
    public static ErrorCode parse(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException unknown) {
            return INTERNAL;
        }
    }
}
