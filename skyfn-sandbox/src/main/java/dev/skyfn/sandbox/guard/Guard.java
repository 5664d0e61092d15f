package dev.skyfn.sandbox.guard;

/**
 * Where calls to {@code System.exit}, {@code Runtime.exit} and {@code Runtime.halt} in an app's
 * classes land instead: the sandbox rewrites them as it loads the classes, so a function cannot
 * end the process that other invocations share. Public because rewritten app classes call it.
 */
public final class Guard {

    private Guard() {
    }

    public static void exit(int status) {
        throw new ExitAttempt("System.exit", status);
    }

    public static void exit(Runtime runtime, int status) {
        throw new ExitAttempt("Runtime.exit", status);
    }

    public static void halt(Runtime runtime, int status) {
        throw new ExitAttempt("Runtime.halt", status);
    }
}
