package dev.skyfn.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables an app's code reads with {@code System.getenv} (rewritten to
 * {@link dev.skyfn.sandbox.guard.Environment}): the process's own, under the app's from its load,
 * under those of the function whose call — or whose handler's creation — runs on the thread.
 * Threads a function starts keep its variables.
 */
final class AppEnvironment {

    private final Map<String, String> app;
    private final InheritableThreadLocal<Map<String, String>> function = new InheritableThreadLocal<>();

    /** {@code vars}: the app's variables, over the process's. */
    AppEnvironment(Map<String, String> vars) {
        this.app = overProcess(vars);
    }

    /** What {@code System.getenv()} answers the app's code on this thread now. */
    Map<String, String> now() {
        Map<String, String> f = function.get();
        return f != null ? f : app;
    }

    /** A function's view: its {@code vars} (the app's among them) over the process's. */
    static Map<String, String> overProcess(Map<String, String> vars) {
        Map<String, String> all = new LinkedHashMap<>(System.getenv());
        all.putAll(vars);
        return Map.copyOf(all);
    }

    /** Makes {@code view} what this thread sees, until {@link #leave} with what this returns. */
    Map<String, String> enter(Map<String, String> view) {
        Map<String, String> before = function.get();
        function.set(view);
        return before;
    }

    void leave(Map<String, String> before) {
        if (before == null) {
            function.remove();
        } else {
            function.set(before);
        }
    }
}
