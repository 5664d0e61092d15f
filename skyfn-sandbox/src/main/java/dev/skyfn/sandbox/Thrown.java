package dev.skyfn.sandbox;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * A function's exception described without trusting it: its class may override
 * {@code getMessage}, {@code toString}, {@code getCause} and {@code getStackTrace}, and any of
 * them may throw. What cannot be read is named as such; nothing here throws, so a call whose
 * exception misbehaves still ends with FUNCTION_ERROR rather than waiting for its timeout.
 */
final class Thrown {

    /** Causes followed at most: a chain a function made may be a cycle. */
    private static final int MAX_CAUSES = 64;

    private Thrown() {
    }

    /** Its message; its class's name when it has none, or when reading it fails (saying so). */
    static String message(Throwable t) {
        try {
            String message = t.getMessage();
            return message != null ? message : t.getClass().getName();
        } catch (Throwable unreadable) {
            return t.getClass().getName() + " (its message could not be read: " + unreadable.getClass().getName() + ")";
        }
    }

    /** What {@code toString} says of it (its class's name and message); the same, read piece by piece, when that fails. */
    static String describe(Throwable t) {
        try {
            return String.valueOf(t.toString());
        } catch (Throwable unreadable) {
            return t.getClass().getName() + ": " + message(t);
        }
    }

    /** The innermost of its causes, following at most {@value #MAX_CAUSES} and stopping where reading one fails. */
    static Throwable root(Throwable t) {
        Throwable at = t;
        for (int i = 0; i < MAX_CAUSES; i++) {
            Throwable cause;
            try {
                cause = at.getCause();
            } catch (Throwable unreadable) {
                return at;
            }
            if (cause == null || cause == at) {
                return at;
            }
            at = cause;
        }
        return at;
    }

    /** Its stack trace as {@code printStackTrace} prints it; what was printed, then why the rest was not, when that fails. */
    static String stackTrace(Throwable t) {
        StringWriter trace = new StringWriter();
        try {
            t.printStackTrace(new PrintWriter(trace));
            return trace.toString().stripTrailing();
        } catch (Throwable unprintable) {
            String printed = trace.toString().stripTrailing();
            return (printed.isEmpty() ? t.getClass().getName() : printed) + " (its stack trace could not be printed: "
                    + unprintable.getClass().getName() + ")";
        }
    }
}
