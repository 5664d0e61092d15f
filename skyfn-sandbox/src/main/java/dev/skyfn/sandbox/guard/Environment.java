package dev.skyfn.sandbox.guard;

import java.util.Map;
import java.util.Objects;

/**
 * Where calls to {@code System.getenv} in an app's classes land instead: the sandbox rewrites
 * them as it loads the classes. An app's variables come with its load, after the sandbox process
 * started, and one sandbox may host several apps, so they cannot be the process's own: each call
 * answers from the class loader of the calling class (see docs/sandbox-protocol.md) — the variables
 * of the function whose call runs on the thread, else the app's, over the process's own. Public
 * because rewritten app classes call it.
 */
public final class Environment {

    /** A class loader that answers for its classes: the variables its code sees now, on this thread. */
    public interface Source {
        Map<String, String> environment();
    }

    private Environment() {
    }

    /** {@code System.getenv(name)} for code of {@code caller} (null: of the thread's context class loader). */
    public static String getenv(String name, Class<?> caller) {
        return of(caller).get(Objects.requireNonNull(name, "name"));
    }

    /** {@code System.getenv()} for code of {@code caller}: unmodifiable. */
    public static Map<String, String> getenv(Class<?> caller) {
        return of(caller);
    }

    private static Map<String, String> of(Class<?> caller) {
        ClassLoader loader = caller != null ? caller.getClassLoader() : Thread.currentThread().getContextClassLoader();
        return loader instanceof Source s ? s.environment() : System.getenv();
    }
}
