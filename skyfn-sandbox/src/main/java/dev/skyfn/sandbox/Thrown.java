package dev.skyfn.sandbox;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A function's exception described without trusting it: its class may override
 * {@code getMessage}, {@code toString}, {@code getCause} and {@code getStackTrace}, any of them may
 * throw, answer millions of characters, or make a chain of causes without end. What cannot be read
 * is named as such, messages are cut at {@value #MESSAGE_CHARS} characters, stack traces at
 * {@value #TRACE_CHARS} and chains at {@value #MAX_CAUSES} causes; nothing here throws, so a call
 * whose exception misbehaves still ends at once with FUNCTION_ERROR.
 */
final class Thrown {

    /** Causes followed at most: a chain a function made may be a cycle, or new at every step. */
    private static final int MAX_CAUSES = 64;
    /** Characters of a message kept at most: the node cuts it shorter, counting what it cut, for its callers. */
    static final int MESSAGE_CHARS = 1 << 20;
    /** Characters of a stack trace kept at most, for the call's log. */
    static final int TRACE_CHARS = 64 * 1024;

    private Thrown() {
    }

    /** Its message; its class's name when it has none, or when reading it fails (saying so). */
    static String message(Throwable t) {
        try {
            String message = t.getMessage();
            return message != null ? cut(message, MESSAGE_CHARS) : t.getClass().getName();
        } catch (Throwable unreadable) {
            return t.getClass().getName() + " (its message could not be read: " + unreadable.getClass().getName() + ")";
        }
    }

    /** What {@code toString} says of it (its class's name and message); the same, read piece by piece, when that fails. */
    static String describe(Throwable t) {
        try {
            return cut(String.valueOf(t.toString()), MESSAGE_CHARS);
        } catch (Throwable unreadable) {
            return t.getClass().getName() + ": " + message(t);
        }
    }

    /** The innermost of its causes, following at most {@value #MAX_CAUSES} and stopping where reading one fails. */
    static Throwable root(Throwable t) {
        Throwable at = t;
        for (int i = 0; i < MAX_CAUSES; i++) {
            Throwable cause = cause(at);
            if (cause == null || cause == at) {
                return at;
            }
            at = cause;
        }
        return at;
    }

    /**
     * Its stack trace as {@code printStackTrace} lays it out — its description and frames, then each
     * cause's after {@code Caused by: } — written here rather than by its own {@code printStackTrace},
     * which follows a chain of causes without end; what cannot be read is said so.
     */
    static String stackTrace(Throwable t) {
        StringBuilder out = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Throwable at = t;
        for (int depth = 0; at != null; depth++) {
            if (depth == MAX_CAUSES || out.length() >= TRACE_CHARS) {
                out.append("(more causes not shown)\n");
                break;
            }
            if (!seen.add(at)) {
                out.append("[CIRCULAR REFERENCE: ").append(describe(at)).append("]\n");
                break;
            }
            out.append(depth == 0 ? "" : "Caused by: ").append(describe(at)).append('\n');
            try {
                for (StackTraceElement frame : at.getStackTrace()) {
                    out.append("\tat ").append(frame).append('\n');
                    if (out.length() >= TRACE_CHARS) {
                        break;
                    }
                }
            } catch (Throwable unreadable) {
                out.append("\t(its stack trace could not be read: ").append(unreadable.getClass().getName()).append(")\n");
            }
            at = cause(at);
        }
        return cut(out.toString().stripTrailing(), TRACE_CHARS);
    }

    private static Throwable cause(Throwable t) {
        try {
            return t.getCause();
        } catch (Throwable unreadable) {
            return null;
        }
    }

    private static String cut(String text, int most) {
        return text.length() <= most ? text : text.substring(0, most) + "… (" + (text.length() - most) + " more characters)";
    }
}
