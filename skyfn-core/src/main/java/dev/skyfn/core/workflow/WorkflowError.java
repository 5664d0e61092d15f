package dev.skyfn.core.workflow;

/**
 * An error inside an execution, named as the Amazon States Language names errors: the predefined
 * {@code States.*} names, or a task's own (the exception type it threw, or skyfn's error code).
 * Retry and Catch match on the name.
 */
public final class WorkflowError extends RuntimeException {

    public static final String ALL = "States.ALL";
    public static final String TIMEOUT = "States.Timeout";
    public static final String TASK_FAILED = "States.TaskFailed";
    public static final String RUNTIME = "States.Runtime";
    public static final String BRANCH_FAILED = "States.BranchFailed";
    public static final String INTRINSIC_FAILURE = "States.IntrinsicFailure";
    public static final String DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded";

    private final String error;
    private final boolean settled;

    public WorkflowError(String error, String cause) {
        this(error, cause, false);
    }

    /** {@code error} and {@code cause} may be absent (a Fail state without them): empty. */
    private WorkflowError(String error, String cause, boolean settled) {
        super(cause == null ? "" : cause, null, false, false);
        this.error = error == null ? "" : error;
        this.settled = settled;
    }

    /** The failure an earlier run of the execution recorded for a step: final, not to be retried. */
    static WorkflowError settled(String error, String cause) {
        return new WorkflowError(error, cause, true);
    }

    boolean settled() {
        return settled;
    }

    /** The error's name. */
    public String error() {
        return error;
    }

    /** What happened, for people. */
    public String cause() {
        return getMessage();
    }

    /**
     * Whether Retry and Catch may handle this error at all: not {@code States.Runtime} nor
     * {@code States.DataLimitExceeded}, which always fail the execution (AWS: "A retry or catch on
     * States.ALL won't catch States.Runtime errors").
     */
    public boolean handleable() {
        return !error.equals(RUNTIME) && !error.equals(DATA_LIMIT_EXCEEDED);
    }

    /**
     * Whether {@code name} in an ErrorEquals list matches this error: exactly, or {@code States.ALL},
     * or {@code States.TaskFailed} for any task failure but a timeout, or the simple name of an
     * exception type ({@code IllegalStateException} for {@code java.lang.IllegalStateException}).
     */
    public boolean matches(String name) {
        if (!handleable()) {
            return false;
        }
        if (name.equals(ALL) || name.equals(error)) {
            return true;
        }
        if (name.equals(TASK_FAILED)) {
            return !error.equals(TIMEOUT) && !error.equals(RUNTIME) && !error.startsWith("States.");
        }
        return error.endsWith("." + name) && !error.startsWith("States.");
    }
}
