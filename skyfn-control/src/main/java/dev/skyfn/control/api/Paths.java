package dev.skyfn.control.api;

/** The shapes of the public URLs, in one place. */
public final class Paths {

    private Paths() {
    }

    public static String invoke(String app, String function) {
        return "/v1/apps/" + app + "/functions/" + function + ":invoke";
    }

    public static String functionUrl(String tenant, String app, String function) {
        return "/fn/" + tenant + "/" + app + "/" + function;
    }

    public static String invocation(String id) {
        return "/v1/invocations/" + id;
    }

    public static String executions(String app, String workflow) {
        return "/v1/apps/" + app + "/workflows/" + workflow + "/executions";
    }

    public static String execution(String id) {
        return "/v1/executions/" + id;
    }
}
